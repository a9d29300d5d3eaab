using Kv.Protocol;

namespace Kv.Client.Internal;

/// <summary>
/// Turns a non-error response into a caller's result. Runs on the reader loop while the payload is still in the
/// receive buffer, so it must copy whatever it keeps.
/// </summary>
/// <typeparam name="T">The result type.</typeparam>
internal interface IResponseDecoder<T>
{
    static abstract T Decode(ResponseStatus status, ReadOnlySpan<byte> payload);
}
