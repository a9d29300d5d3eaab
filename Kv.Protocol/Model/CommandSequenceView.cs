using System.Buffers;

namespace Kv.Protocol;

/// <summary>
/// A parsed command whose key and value are slices of a <see cref="ReadOnlySequence{T}"/> (for example a
/// System.IO.Pipelines buffer): no copy, no allocation. Valid only as long as that buffer is.
/// </summary>
public readonly struct CommandSequenceView
{
    internal CommandSequenceView(ProtocolVersion version, CommandKind kind, uint requestId, ReadOnlySequence<byte> key, ReadOnlySequence<byte> value, ushort flags, long time, int frameLength)
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

    /// <summary>The protocol version the command was sent in.</summary>
    public ProtocolVersion Version { get; }

    /// <summary>Which command this is.</summary>
    public CommandKind Kind { get; }

    /// <summary>The request id (version 1); always 0 in version 0.</summary>
    public uint RequestId { get; }

    /// <summary>The key of every command but PING; empty for PING.</summary>
    public ReadOnlySequence<byte> Key { get; }

    /// <summary>The value of SET and SETX, or the message of PING; empty for the others.</summary>
    public ReadOnlySequence<byte> Value { get; }

    /// <summary>The option bits of SETX, EXPIRE and GETEX; 0 for the others.</summary>
    public ushort Flags { get; }

    /// <summary>The time, in milliseconds, of SETX, EXPIRE and GETEX; 0 for the others.</summary>
    public long Time { get; }

    /// <summary>The frame's total length in bytes.</summary>
    public int FrameLength { get; }

    /// <summary>Copies the command into an owned <see cref="Command"/>.</summary>
    public Command ToCommand() => new(Kind, Key.ToArray(), Value.ToArray(), Flags, Time, Version, RequestId);
}
