using Kv.Protocol;

namespace Kv.Client.Internal;

/// <summary>
/// Turns the client's expiry options into the option bits and time of SETX, EXPIRE and GETEX, and checks them with
/// <see cref="CommandOptions.Validate"/> (the server's own rules), so that an invalid request throws
/// <see cref="ArgumentException"/> before anything is sent. Nothing here allocates unless it throws.
/// </summary>
internal static class ExpiryArguments
{
    private const KvExpireCondition KnownExpireConditions =
        KvExpireCondition.IfNoExpiry | KvExpireCondition.IfHasExpiry | KvExpireCondition.IfLater | KvExpireCondition.IfSooner;

    /// <summary>SETX's flags and time for <paramref name="options"/>, with GET when <paramref name="returnPrevious"/>.</summary>
    public static ushort ForSet(in KvSetOptions options, bool returnPrevious, out long time)
    {
        var flags = options.Condition switch
        {
            KvSetCondition.Always => SetFlags.None,
            KvSetCondition.IfMissing => SetFlags.IfMissing,
            KvSetCondition.IfExists => SetFlags.IfExists,
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Condition, $"{nameof(KvSetOptions)}.{nameof(KvSetOptions.Condition)} is not a {nameof(KvSetCondition)}."),
        };

        if (returnPrevious)
        {
            flags |= SetFlags.ReturnPrevious;
        }

        if (options.KeepTtl)
        {
            flags |= SetFlags.KeepTtl;
        }

        time = 0;
        if (options.Expiry is { } expiry)
        {
            flags |= SetFlags.RelativeExpiry;
            time = ToMilliseconds(expiry);
        }

        if (options.ExpiresAt is { } expiresAt)
        {
            flags |= SetFlags.AbsoluteExpiry;
            time = expiresAt.ToUnixTimeMilliseconds();
        }

        Check(CommandKind.SetX, (ushort)flags, time, nameof(options),
            "KvSetOptions: Expiry is PX, ExpiresAt is PXAT, KeepTtl is KEEPTTL, Condition IfMissing and IfExists are NX and XX");
        return (ushort)flags;
    }

    /// <summary>EXPIRE's flags for a relative (<paramref name="absolute"/> false) or absolute time under <paramref name="condition"/>.</summary>
    public static ushort ForExpire(KvExpireCondition condition, bool absolute, long time)
    {
        if ((condition & ~KnownExpireConditions) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(condition), condition, $"Unknown {nameof(KvExpireCondition)} bits.");
        }

        // KvExpireCondition's bits are EXPIRE's NX, XX, GT and LT bits.
        var flags = (ExpireFlags)condition | (absolute ? ExpireFlags.AbsoluteExpiry : ExpireFlags.RelativeExpiry);
        Check(CommandKind.Expire, (ushort)flags, time, nameof(condition),
            "KvExpireCondition: IfNoExpiry is NX, IfHasExpiry is XX, IfLater is GT, IfSooner is LT");
        return (ushort)flags;
    }

    /// <summary>GETEX's flags for a new relative or absolute expiry, or for removing it (<see cref="GetExFlags.Persist"/>).</summary>
    public static ushort ForGetEx(GetExFlags flags, long time, string parameterName)
    {
        Check(CommandKind.GetEx, (ushort)flags, time, parameterName, "GetAndExpireAsync's expiry is PX, its expiresAt PXAT");
        return (ushort)flags;
    }

    /// <summary>Whole milliseconds, a fraction rounded up (so that a positive expiry never becomes 0).</summary>
    public static long ToMilliseconds(TimeSpan value)
    {
        var milliseconds = value.Ticks / TimeSpan.TicksPerMillisecond;
        return value.Ticks % TimeSpan.TicksPerMillisecond > 0 ? milliseconds + 1 : milliseconds;
    }

    private static void Check(CommandKind kind, ushort flags, long time, string parameterName, string names)
    {
        if (CommandOptions.Validate(kind, flags, time) is { } error)
        {
            throw new ArgumentException($"Invalid options, nothing was sent: {error} ({names}).", parameterName);
        }
    }
}
