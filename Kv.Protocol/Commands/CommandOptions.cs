namespace Kv.Protocol;

/// <summary>
/// The rules for a command's option bits and time (<see cref="SetFlags"/>, <see cref="ExpireFlags"/>,
/// <see cref="GetExFlags"/>), in one place so that the server and every client judge a request alike. The parser does
/// not apply them: a frame with invalid options is well formed, and the server answers it ERROR
/// <see cref="ProtocolErrorCode.InvalidArgument"/> with the message <see cref="Validate"/> gives, leaving the connection open.
/// </summary>
public static class CommandOptions
{
    /// <summary>The SETX bits that have a meaning.</summary>
    public const SetFlags KnownSetFlags = SetFlags.IfMissing | SetFlags.IfExists | SetFlags.ReturnPrevious | SetFlags.KeepTtl
        | SetFlags.RelativeExpiry | SetFlags.AbsoluteExpiry;

    /// <summary>The EXPIRE bits that have a meaning.</summary>
    public const ExpireFlags KnownExpireFlags = ExpireFlags.IfNoExpiry | ExpireFlags.IfHasExpiry | ExpireFlags.IfLater | ExpireFlags.IfSooner
        | ExpireFlags.RelativeExpiry | ExpireFlags.AbsoluteExpiry;

    /// <summary>The GETEX bits that have a meaning.</summary>
    public const GetExFlags KnownGetExFlags = GetExFlags.RelativeExpiry | GetExFlags.AbsoluteExpiry | GetExFlags.Persist;

    /// <summary>
    /// Checks a command's option bits and time. Messages are constant strings: judging a request allocates nothing.
    /// </summary>
    /// <param name="kind">The command.</param>
    /// <param name="flags">Its option bits (0 for a command without them).</param>
    /// <param name="time">Its time (0 for a command without one).</param>
    /// <returns>Null when they are valid; otherwise what is wrong, for people (the text of the ERROR's message).</returns>
    public static string? Validate(CommandKind kind, ushort flags, long time) => kind switch
    {
        CommandKind.SetX => ValidateSet((SetFlags)flags, time),
        CommandKind.Expire => ValidateExpire((ExpireFlags)flags),
        CommandKind.GetEx => ValidateGetEx((GetExFlags)flags, time),
        _ => null,
    };

    /// <summary>True when <see cref="Validate"/> finds nothing wrong.</summary>
    public static bool IsValid(CommandKind kind, ushort flags, long time) => Validate(kind, flags, time) is null;

    private static string? ValidateSet(SetFlags flags, long time)
    {
        var expiry = flags & (SetFlags.RelativeExpiry | SetFlags.AbsoluteExpiry);
        if ((flags & ~KnownSetFlags) != 0)
        {
            return "SETX: unknown flag bits (known: 0x003f)";
        }

        if (Has(flags, SetFlags.IfMissing | SetFlags.IfExists))
        {
            return "SETX: NX and XX cannot be combined";
        }

        if (Has(flags, SetFlags.RelativeExpiry | SetFlags.AbsoluteExpiry))
        {
            return "SETX: PX and PXAT cannot be combined";
        }

        if ((flags & SetFlags.KeepTtl) != 0 && expiry != 0)
        {
            return "SETX: KEEPTTL cannot be combined with PX or PXAT";
        }

        if (expiry != 0 && time <= 0)
        {
            return "SETX: PX and PXAT need a time above 0";
        }

        return expiry == 0 && time != 0 ? "SETX: a time needs PX or PXAT" : null;
    }

    private static string? ValidateExpire(ExpireFlags flags)
    {
        if ((flags & ~KnownExpireFlags) != 0)
        {
            return "EXPIRE: unknown flag bits (known: 0x003f)";
        }

        if (((flags & ExpireFlags.RelativeExpiry) != 0) == ((flags & ExpireFlags.AbsoluteExpiry) != 0))
        {
            return "EXPIRE: exactly one of relative (0x0010) and absolute (0x0020) is needed";
        }

        if ((flags & ExpireFlags.IfNoExpiry) != 0 && (flags & (ExpireFlags.IfHasExpiry | ExpireFlags.IfLater | ExpireFlags.IfSooner)) != 0)
        {
            return "EXPIRE: NX cannot be combined with XX, GT or LT";
        }

        return Has(flags, ExpireFlags.IfLater | ExpireFlags.IfSooner) ? "EXPIRE: GT and LT cannot be combined" : null;
    }

    private static string? ValidateGetEx(GetExFlags flags, long time)
    {
        if ((flags & ~KnownGetExFlags) != 0)
        {
            return "GETEX: unknown flag bits (known: 0x0070)";
        }

        var expiry = flags & (GetExFlags.RelativeExpiry | GetExFlags.AbsoluteExpiry);
        if (flags != 0 && ((ushort)flags & ((ushort)flags - 1)) != 0)
        {
            return "GETEX: PX, PXAT and PERSIST cannot be combined";
        }

        if (expiry != 0 && time <= 0)
        {
            return "GETEX: PX and PXAT need a time above 0";
        }

        return expiry == 0 && time != 0 ? "GETEX: a time needs PX or PXAT" : null;
    }

    private static bool Has(SetFlags flags, SetFlags both) => (flags & both) == both;

    private static bool Has(ExpireFlags flags, ExpireFlags both) => (flags & both) == both;
}
