using Kv.Protocol;

namespace Kv.Client.Internal;

/// <summary>OK is true, NOT_FOUND false: SET (always OK) and CLEAR (was a key removed?).</summary>
internal readonly struct BooleanDecoder : IResponseDecoder<bool>
{
    public static bool Decode(ResponseStatus status, ReadOnlySpan<byte> payload) => status == ResponseStatus.Ok;
}
