using Kv.Protocol;

namespace Kv.Client.Internal;

/// <summary>OK is a copy of the payload (possibly empty), NOT_FOUND null.</summary>
internal readonly struct BytesDecoder : IResponseDecoder<byte[]?>
{
    public static byte[]? Decode(ResponseStatus status, ReadOnlySpan<byte> payload) =>
        status == ResponseStatus.Ok ? payload.ToArray() : null;
}
