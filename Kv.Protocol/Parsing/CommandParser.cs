using System.Buffers;

namespace Kv.Protocol;

/// <summary>
/// Parses requests (commands) of protocol versions 0 and 1, one frame per call. Incremental and total: every input
/// yields <see cref="ParseStatus.Complete"/>, <see cref="ParseStatus.NeedMoreData"/> or
/// <see cref="ParseStatus.Invalid"/>; it never throws for bad input and never allocates. Immutable and thread-safe.
/// </summary>
public sealed class CommandParser
{
    private readonly long _maxFrameBytes;

    /// <summary>Creates a parser that enforces <paramref name="limits"/>.</summary>
    public CommandParser(ProtocolLimits limits)
    {
        Limits = limits ?? throw new ArgumentNullException(nameof(limits));
        _maxFrameBytes = limits.MaxFrameBytes;
    }

    /// <summary>A parser with <see cref="ProtocolLimits.Default"/>.</summary>
    public static CommandParser Default { get; } = new(ProtocolLimits.Default);

    /// <summary>The limits this parser enforces.</summary>
    public ProtocolLimits Limits { get; }

    /// <summary>
    /// Parses the frame at the start of <paramref name="input"/>. On <see cref="ParseStatus.Complete"/> the frame used
    /// <see cref="CommandView.FrameLength"/> bytes; its key and value are slices of <paramref name="input"/>.
    /// </summary>
    /// <param name="input">Bytes received so far, starting at a frame boundary.</param>
    /// <param name="command">The command, when the result is <see cref="ParseStatus.Complete"/>.</param>
    /// <param name="error">Why the input was rejected, when the result is <see cref="ParseStatus.Invalid"/>.</param>
    public ParseStatus TryParse(ReadOnlySpan<byte> input, out CommandView command, out ProtocolError error)
    {
        var status = ParseLayout(new FrameBytes(input), out var layout, out error);
        command = status == ParseStatus.Complete
            ? new CommandView(layout.Version, (CommandKind)layout.Code, layout.RequestId,
                input.Slice(layout.KeyOffset, layout.KeyLength), input.Slice(layout.ValueOffset, layout.ValueLength), layout.Flags, layout.Time, layout.FrameLength)
            : default;
        return status;
    }

    /// <summary>
    /// Parses the frame at the start of <paramref name="input"/>, which may be split across segments anywhere. On
    /// <see cref="ParseStatus.Complete"/> the frame used <see cref="CommandSequenceView.FrameLength"/> bytes.
    /// </summary>
    /// <param name="input">Bytes received so far, starting at a frame boundary.</param>
    /// <param name="command">The command, when the result is <see cref="ParseStatus.Complete"/>.</param>
    /// <param name="error">Why the input was rejected, when the result is <see cref="ParseStatus.Invalid"/>.</param>
    public ParseStatus TryParse(in ReadOnlySequence<byte> input, out CommandSequenceView command, out ProtocolError error)
    {
        var status = ParseLayout(new FrameBytes(input), out var layout, out error);
        command = status == ParseStatus.Complete
            ? new CommandSequenceView(layout.Version, (CommandKind)layout.Code, layout.RequestId,
                input.Slice(layout.KeyOffset, layout.KeyLength), input.Slice(layout.ValueOffset, layout.ValueLength), layout.Flags, layout.Time, layout.FrameLength)
            : default;
        return status;
    }

    /// <summary>
    /// Reads what the start of a frame says before the frame is whole: its version and, in version 1, its request id.
    /// For a receiver that cannot take the rest of a frame (it has no memory for it) and must still answer it.
    /// </summary>
    /// <param name="input">Bytes received so far, starting at a frame boundary.</param>
    /// <param name="version">The frame's version; <see cref="ProtocolVersion.V0"/> when it is not known yet or not supported.</param>
    /// <param name="requestId">The version-1 request id; 0 otherwise.</param>
    /// <returns>False when too few bytes have arrived to say (the outputs are then those of version 0).</returns>
    public static bool TryReadHeader(ReadOnlySpan<byte> input, out ProtocolVersion version, out uint requestId)
    {
        version = ProtocolVersion.V0;
        requestId = 0;
        if (input.IsEmpty)
        {
            return false;
        }

        if (input[0] != (byte)ProtocolVersion.V1)
        {
            return true;
        }

        if (input.Length < 7)
        {
            return false;
        }

        version = ProtocolVersion.V1;
        requestId = new FrameBytes(input).ReadUInt32(3);
        return true;
    }

    private ParseStatus ParseLayout(in FrameBytes input, out FrameLayout layout, out ProtocolError error)
    {
        layout = default;
        error = default;
        if (input.Length < 1)
        {
            return ParseStatus.NeedMoreData;
        }

        var version = input.ReadByte(0);
        switch (version)
        {
            case (byte)ProtocolVersion.V0:
                return ParseV0(in input, ref layout, out error);
            case (byte)ProtocolVersion.V1:
                return ParseV1(in input, ref layout, out error);
            default:
                error = new ProtocolError(ProtocolErrorCode.UnsupportedVersion, version);
                return ParseStatus.Invalid;
        }
    }

    private ParseStatus ParseV0(in FrameBytes input, ref FrameLayout layout, out ProtocolError error)
    {
        error = default;
        if (input.Length < FrameFormat.V0RequestHeaderSize)
        {
            return ParseStatus.NeedMoreData;
        }

        var kind = (CommandKind)input.ReadUInt16(1);
        if (CommandTable.Find(kind, ProtocolVersion.V0) is not { } spec)
        {
            // Version 0 has no frame length, so nothing after an unknown command can be framed: not recoverable.
            error = new ProtocolError(ProtocolErrorCode.UnknownCommand, (ushort)kind);
            return ParseStatus.Invalid;
        }

        layout.Version = ProtocolVersion.V0;
        layout.Code = (ushort)kind;
        var roles = spec.Roles;
        long position = FrameFormat.V0RequestHeaderSize;
        for (var i = 0; i < roles.Length; i++)
        {
            var role = roles[i];
            var width = CommandSpec.WidthOf(role);
            if (width > 0)
            {
                if (input.Length < position + width)
                {
                    return ParseStatus.NeedMoreData;
                }

                SetFixed(ref layout, in input, role, position);
                position += width;
                continue;
            }

            if (input.Length < position + FrameFormat.StringLengthSize)
            {
                return ParseStatus.NeedMoreData;
            }

            long length = input.ReadUInt32(position);
            position += FrameFormat.StringLengthSize;

            // Reject as soon as the prefix is read: the frame could not fit even with the rest of its strings empty.
            var smallestEnd = position + length + spec.SmallestAfter(i);
            if (smallestEnd > _maxFrameBytes)
            {
                error = new ProtocolError(ProtocolErrorCode.StringTooLarge, length);
                return ParseStatus.Invalid;
            }

            SetString(ref layout, role, (int)position, (int)length);
            position += length;
        }

        if (input.Length < position)
        {
            return ParseStatus.NeedMoreData;
        }

        layout.FrameLength = (int)position;
        return ParseStatus.Complete;
    }

    private ParseStatus ParseV1(in FrameBytes input, ref FrameLayout layout, out ProtocolError error)
    {
        error = default;
        if (input.Length < FrameFormat.V1RequestHeaderSize)
        {
            return ParseStatus.NeedMoreData;
        }

        var kind = (CommandKind)input.ReadUInt16(1);
        var requestId = input.ReadUInt32(3);
        long frameLength = FrameFormat.V1RequestHeaderSize + (long)input.ReadUInt32(7);
        if (frameLength > _maxFrameBytes)
        {
            error = new ProtocolError(ProtocolErrorCode.FrameTooLarge, frameLength, ProtocolVersion.V1, requestId);
            return ParseStatus.Invalid;
        }

        // Version 1 judges a frame only once it is whole, so that every error after the header is recoverable.
        if (input.Length < frameLength)
        {
            return ParseStatus.NeedMoreData;
        }

        var frame = (int)frameLength;
        if (CommandTable.Find(kind, ProtocolVersion.V1) is not { } spec)
        {
            error = new ProtocolError(ProtocolErrorCode.UnknownCommand, (ushort)kind, ProtocolVersion.V1, requestId, frame);
            return ParseStatus.Invalid;
        }

        layout.Version = ProtocolVersion.V1;
        layout.Code = (ushort)kind;
        layout.RequestId = requestId;
        var roles = spec.Roles;
        long position = FrameFormat.V1RequestHeaderSize;
        for (var i = 0; i < roles.Length; i++)
        {
            var role = roles[i];
            var width = CommandSpec.WidthOf(role);
            if (position + (width > 0 ? width : FrameFormat.StringLengthSize) > frame)
            {
                // A body too short for a fixed-width argument or a string's prefix.
                error = new ProtocolError(ProtocolErrorCode.MalformedFrame, position, ProtocolVersion.V1, requestId, frame);
                return ParseStatus.Invalid;
            }

            if (width > 0)
            {
                SetFixed(ref layout, in input, role, position);
                position += width;
                continue;
            }

            long length = input.ReadUInt32(position);
            position += FrameFormat.StringLengthSize;
            if (length > frame - position)
            {
                error = new ProtocolError(ProtocolErrorCode.MalformedFrame, position - FrameFormat.StringLengthSize, ProtocolVersion.V1, requestId, frame);
                return ParseStatus.Invalid;
            }

            SetString(ref layout, role, (int)position, (int)length);
            position += length;
        }

        if (position != frame)
        {
            error = new ProtocolError(ProtocolErrorCode.MalformedFrame, position, ProtocolVersion.V1, requestId, frame);
            return ParseStatus.Invalid;
        }

        layout.FrameLength = frame;
        return ParseStatus.Complete;
    }

    // The key (or AUTH's user) goes to the key slot; a value, a message or a password to the value slot (the spec says
    // which argument is which).
    private static void SetString(ref FrameLayout layout, ArgumentRole role, int offset, int length)
    {
        if (role is ArgumentRole.Key or ArgumentRole.User)
        {
            layout.KeyOffset = offset;
            layout.KeyLength = length;
        }
        else
        {
            layout.ValueOffset = offset;
            layout.ValueLength = length;
        }
    }

    // Fixed-width arguments are read into the layout at once: they are numbers, not slices of the input.
    private static void SetFixed(ref FrameLayout layout, in FrameBytes input, ArgumentRole role, long offset)
    {
        if (role == ArgumentRole.Flags)
        {
            layout.Flags = input.ReadUInt16(offset);
        }
        else
        {
            layout.Time = unchecked((long)input.ReadUInt64(offset));
        }
    }
}
