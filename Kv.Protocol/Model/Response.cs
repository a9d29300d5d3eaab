using System.Text;

namespace Kv.Protocol;

/// <summary>A response that owns its bytes: the form applications keep.</summary>
public sealed class Response : IEquatable<Response>
{
    /// <summary>Creates a response.</summary>
    /// <param name="status">OK, ERROR or (version 1) NOT_FOUND.</param>
    /// <param name="payload">The result for OK, the UTF-8 message for ERROR, empty for NOT_FOUND.</param>
    /// <param name="version">The protocol version.</param>
    /// <param name="requestId">The request id this answers (version 1).</param>
    /// <param name="errorCode">The error code of a version-1 ERROR.</param>
    public Response(ResponseStatus status, byte[] payload, ProtocolVersion version = ProtocolVersion.V0, uint requestId = 0, ProtocolErrorCode errorCode = ProtocolErrorCode.None)
    {
        Status = status;
        Payload = payload ?? throw new ArgumentNullException(nameof(payload));
        Version = version;
        RequestId = requestId;
        ErrorCode = errorCode;
    }

    /// <summary>OK, ERROR or (version 1) NOT_FOUND.</summary>
    public ResponseStatus Status { get; }

    /// <summary>The result for OK, the UTF-8 message for ERROR, empty for NOT_FOUND.</summary>
    public byte[] Payload { get; }

    /// <summary>The protocol version.</summary>
    public ProtocolVersion Version { get; }

    /// <summary>The request id this answers (version 1).</summary>
    public uint RequestId { get; }

    /// <summary>The error code of a version-1 ERROR; otherwise <see cref="ProtocolErrorCode.None"/>.</summary>
    public ProtocolErrorCode ErrorCode { get; }

    /// <summary>The payload decoded as UTF-8.</summary>
    public string PayloadText => Encoding.UTF8.GetString(Payload);

    /// <summary>An OK response carrying <paramref name="payload"/>.</summary>
    public static Response Ok(byte[] payload, ProtocolVersion version = ProtocolVersion.V0, uint requestId = 0) => new(ResponseStatus.Ok, payload, version, requestId);

    /// <summary>An OK response carrying the UTF-8 bytes of <paramref name="payload"/>.</summary>
    public static Response Ok(string payload, ProtocolVersion version = ProtocolVersion.V0, uint requestId = 0) => Ok(Encoding.UTF8.GetBytes(payload), version, requestId);

    /// <summary>A NOT_FOUND response (version 1 only).</summary>
    public static Response NotFound(uint requestId = 0) => new(ResponseStatus.NotFound, [], ProtocolVersion.V1, requestId);

    /// <summary>An ERROR response with a message (and, in version 1, an error code).</summary>
    public static Response Error(string message, ProtocolVersion version = ProtocolVersion.V0, uint requestId = 0, ProtocolErrorCode code = ProtocolErrorCode.ServerError) =>
        new(ResponseStatus.Error, Encoding.UTF8.GetBytes(message), version, requestId, version == ProtocolVersion.V0 ? ProtocolErrorCode.None : code);

    /// <inheritdoc />
    public bool Equals(Response? other) =>
        other is not null && Status == other.Status && Version == other.Version && RequestId == other.RequestId
        && ErrorCode == other.ErrorCode && Payload.AsSpan().SequenceEqual(other.Payload);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Response);

    /// <inheritdoc />
    public override int GetHashCode() => ((int)Status * 31 + Payload.Length) * 31 + (int)RequestId;

    /// <inheritdoc />
    public override string ToString() => $"{Status} v{(byte)Version} id={RequestId} payload[{Payload.Length}]";
}
