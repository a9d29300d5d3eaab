namespace Kv.Protocol;

/// <summary>
/// The protocol version, carried in the first byte (the header) of every request and response.
/// </summary>
public enum ProtocolVersion : byte
{
    /// <summary>
    /// Version 0: byte-for-byte the reference implementation's format. No request id, no frame length,
    /// and only two statuses (OK and ERROR).
    /// </summary>
    V0 = 0,

    /// <summary>
    /// Version 1: a length-prefixed body, a request id echoed in the response, and a NOT_FOUND status.
    /// </summary>
    V1 = 1,
}
