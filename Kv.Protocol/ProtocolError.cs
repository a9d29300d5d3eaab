namespace Kv.Protocol;

/// <summary>
/// Why a parser rejected its input. A value type with no allocated text, so that rejecting hostile input
/// costs nothing; <see cref="ToString"/> formats a message for logs and error responses.
/// </summary>
public readonly struct ProtocolError
{
    internal ProtocolError(ProtocolErrorCode code, long detail, ProtocolVersion version = ProtocolVersion.V0, uint requestId = 0, int frameLength = 0)
    {
        Code = code;
        Detail = detail;
        Version = version;
        RequestId = requestId;
        FrameLength = frameLength;
    }

    /// <summary>What was wrong.</summary>
    public ProtocolErrorCode Code { get; }

    /// <summary>The offending value: the version byte, command number, declared length or offset (see <see cref="ProtocolErrorCode"/>).</summary>
    public long Detail { get; }

    /// <summary>The version of the rejected frame, where its header byte was a supported version; otherwise version 0.</summary>
    public ProtocolVersion Version { get; }

    /// <summary>The request id of a rejected version-1 frame whose header was readable; otherwise 0.</summary>
    public uint RequestId { get; }

    /// <summary>
    /// The length of the rejected frame when it is known and wholly present in the input (version-1 frames with a
    /// valid header), so that the receiver can skip it and stay in step with the stream; otherwise 0.
    /// </summary>
    public int FrameLength { get; }

    /// <summary>True when the rejected frame can be skipped (<see cref="FrameLength"/> bytes) without losing the stream's framing.</summary>
    public bool IsRecoverable => FrameLength > 0;

    /// <summary>A one-line description of the error, for logs and ERROR responses. Allocates; not for hot paths.</summary>
    public override string ToString() => Code switch
    {
        ProtocolErrorCode.None => "no error",
        ProtocolErrorCode.UnsupportedVersion => $"unsupported protocol version {Detail} (supported: 0, 1)",
        ProtocolErrorCode.UnknownCommand => $"unknown command {Detail}",
        ProtocolErrorCode.StringTooLarge => $"string of {Detail} bytes exceeds the frame size limit",
        ProtocolErrorCode.FrameTooLarge => $"frame of {Detail} bytes exceeds the frame size limit",
        ProtocolErrorCode.MalformedFrame => $"malformed frame: arguments do not match the body length (at offset {Detail})",
        ProtocolErrorCode.UnknownStatus => $"unknown response status {Detail}",
        ProtocolErrorCode.TooManyConnections => "too many connections",
        ProtocolErrorCode.ServerError => "server error",
        ProtocolErrorCode.OutOfMemory => "out of memory",
        ProtocolErrorCode.WriteRefused => "writes refused",
        ProtocolErrorCode.InvalidArgument => "invalid argument",
        ProtocolErrorCode.AuthenticationFailed => "authentication failed",
        ProtocolErrorCode.NotAuthenticated => "not authenticated",
        ProtocolErrorCode.PermissionDenied => "permission denied",
        _ => $"protocol error {(ushort)Code} ({Detail})",
    };
}
