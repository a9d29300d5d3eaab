using Kv.Client.Internal;
using Kv.Protocol;

namespace Kv.Client;

// SET with an expiry, a condition and the previous value: the SETX command (protocol version 1).
public sealed partial class KvClient
{
    /// <summary>
    /// Stores <paramref name="value"/> at <paramref name="key"/> with an expiry and under a condition (Redis's
    /// <c>SET key value [NX|XX] [PX|PXAT|KEEPTTL]</c>), and says what happened. A condition that does not hold is not an
    /// error: the result's <see cref="KvSetResult.Applied"/> is false.
    /// </summary>
    /// <param name="key">The key (UTF-8).</param>
    /// <param name="value">The value (UTF-8); may be empty.</param>
    /// <param name="options">The expiry and the condition; <c>default</c> writes as the plain overload does (no expiry).</param>
    /// <param name="cancellationToken">Stops waiting for the server. The request may still be carried out.</param>
    /// <returns>Whether the value was written, and whether the key existed before.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> or <paramref name="value"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> combine what cannot go together (two expiries, an expiry with <see cref="KvSetOptions.KeepTtl"/>, an <see cref="KvSetOptions.Expiry"/> of zero or less, an <see cref="KvSetOptions.ExpiresAt"/> not after 1970): thrown before anything is sent.</exception>
    /// <exception cref="KvServerException">The server refused the write: <see cref="ProtocolErrorCode.OutOfMemory"/> or <see cref="ProtocolErrorCode.WriteRefused"/> (nothing changed).</exception>
    public ValueTask<KvSetResult> SetAsync(string key, string value, KvSetOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        var flags = ExpiryArguments.ForSet(options, returnPrevious: false, out var time);
        return SendAsync<KvSetResult, SetResultDecoder>(CommandKind.SetX, new Argument(key), new Argument(value), cancellationToken, flags, time);
    }

    /// <summary>
    /// Stores <paramref name="value"/> at <paramref name="key"/> with an expiry and under a condition (Redis's
    /// <c>SET key value [NX|XX] [PX|PXAT|KEEPTTL]</c>), and says what happened.
    /// </summary>
    /// <param name="key">The key: any bytes.</param>
    /// <param name="value">The value: any bytes; may be empty. Copied before the call returns.</param>
    /// <param name="options">The expiry and the condition.</param>
    /// <param name="cancellationToken">Stops waiting for the server. The request may still be carried out.</param>
    /// <returns>Whether the value was written, and whether the key existed before.</returns>
    /// <exception cref="ArgumentException"><paramref name="options"/> combine what cannot go together: thrown before anything is sent.</exception>
    /// <exception cref="KvServerException">The server refused the write: <see cref="ProtocolErrorCode.OutOfMemory"/> or <see cref="ProtocolErrorCode.WriteRefused"/>.</exception>
    public ValueTask<KvSetResult> SetAsync(ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, KvSetOptions options, CancellationToken cancellationToken = default)
    {
        var flags = ExpiryArguments.ForSet(options, returnPrevious: false, out var time);
        return SendAsync<KvSetResult, SetResultDecoder>(CommandKind.SetX, new Argument(key), new Argument(value), cancellationToken, flags, time);
    }

    /// <summary>
    /// Stores <paramref name="value"/> at <paramref name="key"/>, with the expiry and condition of
    /// <paramref name="options"/>, and returns the value the key held before, in one atomic step (Redis's
    /// <c>SET ... GET</c>, and with no options its <c>GETSET</c>). The previous value comes back whether or not the
    /// write applied.
    /// </summary>
    /// <param name="key">The key (UTF-8).</param>
    /// <param name="value">The value (UTF-8); may be empty.</param>
    /// <param name="options">The expiry and the condition; <c>default</c> for none (the key is then left without an expiry).</param>
    /// <param name="cancellationToken">Stops waiting for the server. The request may still be carried out.</param>
    /// <returns>Whether the value was written, whether the key existed, and its previous value decoded as UTF-8 (null when it did not exist).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> or <paramref name="value"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> combine what cannot go together: thrown before anything is sent.</exception>
    /// <exception cref="KvServerException">The server refused the write: <see cref="ProtocolErrorCode.OutOfMemory"/> or <see cref="ProtocolErrorCode.WriteRefused"/>.</exception>
    public ValueTask<KvSetResult<string>> GetAndSetAsync(string key, string value, KvSetOptions options = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        var flags = ExpiryArguments.ForSet(options, returnPrevious: true, out var time);
        return SendAsync<KvSetResult<string>, SetAndGetStringDecoder>(CommandKind.SetX, new Argument(key), new Argument(value), cancellationToken, flags, time);
    }

    /// <summary>
    /// Stores <paramref name="value"/> at <paramref name="key"/>, with the expiry and condition of
    /// <paramref name="options"/>, and returns the value the key held before, in one atomic step (Redis's <c>SET ... GET</c>).
    /// </summary>
    /// <param name="key">The key: any bytes.</param>
    /// <param name="value">The value: any bytes; may be empty. Copied before the call returns.</param>
    /// <param name="options">The expiry and the condition; <c>default</c> for none.</param>
    /// <param name="cancellationToken">Stops waiting for the server. The request may still be carried out.</param>
    /// <returns>Whether the value was written, whether the key existed, and a copy of its previous value (null when it did not exist).</returns>
    /// <exception cref="ArgumentException"><paramref name="options"/> combine what cannot go together: thrown before anything is sent.</exception>
    /// <exception cref="KvServerException">The server refused the write: <see cref="ProtocolErrorCode.OutOfMemory"/> or <see cref="ProtocolErrorCode.WriteRefused"/>.</exception>
    public ValueTask<KvSetResult<byte[]>> GetAndSetAsync(ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, KvSetOptions options = default, CancellationToken cancellationToken = default)
    {
        var flags = ExpiryArguments.ForSet(options, returnPrevious: true, out var time);
        return SendAsync<KvSetResult<byte[]>, SetAndGetBytesDecoder>(CommandKind.SetX, new Argument(key), new Argument(value), cancellationToken, flags, time);
    }
}
