namespace Kv.Protocol;

/// <summary>
/// A parsed command whose key and value are slices of the parser's input: no copy, no allocation. Valid only as
/// long as that input is. The server's hot path uses this form; <see cref="ToCommand"/> makes an owned copy.
/// </summary>
public readonly ref struct CommandView
{
    internal CommandView(ProtocolVersion version, CommandKind kind, uint requestId, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, ushort flags, long time, int frameLength)
    {
        Version = version;
        Kind = kind;
        RequestId = requestId;
        Key = key;
        Value = value;
        Flags = flags;
        Time = time;
        FrameLength = frameLength;
    }

    /// <summary>The protocol version the command was sent in; the response must use the same one.</summary>
    public ProtocolVersion Version { get; }

    /// <summary>Which command this is.</summary>
    public CommandKind Kind { get; }

    /// <summary>The request id (version 1); always 0 in version 0.</summary>
    public uint RequestId { get; }

    /// <summary>The key of every command but PING; empty for PING.</summary>
    public ReadOnlySpan<byte> Key { get; }

    /// <summary>The value of SET and SETX, or the message of PING; empty for the others.</summary>
    public ReadOnlySpan<byte> Value { get; }

    /// <summary>AUTH's user name: the same bytes as <see cref="Key"/>, where the table carries it.</summary>
    public ReadOnlySpan<byte> User => Key;

    /// <summary>AUTH's password: the same bytes as <see cref="Value"/>, where the table carries it. Never log it.</summary>
    public ReadOnlySpan<byte> Password => Value;

    /// <summary>The option bits of SETX, EXPIRE and GETEX (<see cref="SetFlags"/>, <see cref="ExpireFlags"/>, <see cref="GetExFlags"/>); 0 for the others.</summary>
    public ushort Flags { get; }

    /// <summary>The time, in milliseconds, of SETX, EXPIRE and GETEX (relative or absolute as the flags say); 0 for the others.</summary>
    public long Time { get; }

    /// <summary>The frame's total length in bytes.</summary>
    public int FrameLength { get; }

    /// <summary>Copies the command into an owned <see cref="Command"/>.</summary>
    public Command ToCommand() => new(Kind, Key.ToArray(), Value.ToArray(), Flags, Time, Version, RequestId);
}
