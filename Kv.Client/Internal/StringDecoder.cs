using System.Text;
using Kv.Protocol;

namespace Kv.Client.Internal;

/// <summary>OK is the payload decoded as UTF-8 (possibly empty), NOT_FOUND null.</summary>
internal readonly struct StringDecoder : IResponseDecoder<string?>
{
    public static string? Decode(ResponseStatus status, ReadOnlySpan<byte> payload) =>
        status == ResponseStatus.Ok ? Encoding.UTF8.GetString(payload) : null;
}
