using Kv.Client.Internal;
using Kv.Protocol;

namespace Kv.Client;

// A key's expiry: EXPIRE, PERSIST, TTL and GETEX (protocol version 1), with Redis 7's semantics. Times are whole
// milliseconds; a relative time's fraction of a millisecond is rounded up. The server counts relative times on a
// monotonic clock, and turns an absolute time into one when the request arrives (docs/protocol.md, Clocks).
public sealed partial class KvClient
{
    /// <summary>
    /// Makes <paramref name="key"/> expire <paramref name="expiry"/> from now, if <paramref name="condition"/> holds
    /// (Redis 7's <c>PEXPIRE key ms [NX|XX|GT|LT]</c>). An expiry of zero or less removes the key.
    /// </summary>
    /// <param name="key">The key (UTF-8).</param>
    /// <param name="expiry">How long the key has left, from when the server receives the request.</param>
    /// <param name="condition">When to set it (<see cref="KvExpireCondition.None"/>: always).</param>
    /// <param name="cancellationToken">Stops waiting for the server. The request may still be carried out.</param>
    /// <returns><see cref="KvExpireResult.Applied"/>, <see cref="KvExpireResult.NotApplied"/> (the condition did not hold) or <see cref="KvExpireResult.KeyMissing"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="condition"/> combines conditions that exclude each other (NX with any other, GT with LT): thrown before anything is sent.</exception>
    /// <exception cref="KvServerException">The server refused the write: <see cref="ProtocolErrorCode.OutOfMemory"/> or <see cref="ProtocolErrorCode.WriteRefused"/>.</exception>
    public ValueTask<KvExpireResult> ExpireAsync(string key, TimeSpan expiry, KvExpireCondition condition = KvExpireCondition.None, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return ExpireAsync(new Argument(key), absolute: false, ExpiryArguments.ToMilliseconds(expiry), condition, cancellationToken);
    }

    /// <summary>
    /// Makes <paramref name="key"/> expire <paramref name="expiry"/> from now, if <paramref name="condition"/> holds
    /// (Redis 7's <c>PEXPIRE key ms [NX|XX|GT|LT]</c>). An expiry of zero or less removes the key.
    /// </summary>
    /// <param name="key">The key: any bytes.</param>
    /// <param name="expiry">How long the key has left, from when the server receives the request.</param>
    /// <param name="condition">When to set it (<see cref="KvExpireCondition.None"/>: always).</param>
    /// <param name="cancellationToken">Stops waiting for the server. The request may still be carried out.</param>
    /// <returns><see cref="KvExpireResult.Applied"/>, <see cref="KvExpireResult.NotApplied"/> or <see cref="KvExpireResult.KeyMissing"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="condition"/> combines conditions that exclude each other: thrown before anything is sent.</exception>
    /// <exception cref="KvServerException">The server refused the write: <see cref="ProtocolErrorCode.OutOfMemory"/> or <see cref="ProtocolErrorCode.WriteRefused"/>.</exception>
    public ValueTask<KvExpireResult> ExpireAsync(ReadOnlyMemory<byte> key, TimeSpan expiry, KvExpireCondition condition = KvExpireCondition.None, CancellationToken cancellationToken = default) =>
        ExpireAsync(new Argument(key), absolute: false, ExpiryArguments.ToMilliseconds(expiry), condition, cancellationToken);

    /// <summary>
    /// Makes <paramref name="key"/> expire at <paramref name="expiresAt"/>, if <paramref name="condition"/> holds
    /// (Redis 7's <c>PEXPIREAT key time [NX|XX|GT|LT]</c>). A time at or before now removes the key.
    /// </summary>
    /// <param name="key">The key (UTF-8).</param>
    /// <param name="expiresAt">When the key expires, in whole milliseconds.</param>
    /// <param name="condition">When to set it (<see cref="KvExpireCondition.None"/>: always).</param>
    /// <param name="cancellationToken">Stops waiting for the server. The request may still be carried out.</param>
    /// <returns><see cref="KvExpireResult.Applied"/>, <see cref="KvExpireResult.NotApplied"/> or <see cref="KvExpireResult.KeyMissing"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="condition"/> combines conditions that exclude each other: thrown before anything is sent.</exception>
    /// <exception cref="KvServerException">The server refused the write: <see cref="ProtocolErrorCode.OutOfMemory"/> or <see cref="ProtocolErrorCode.WriteRefused"/>.</exception>
    public ValueTask<KvExpireResult> ExpireAsync(string key, DateTimeOffset expiresAt, KvExpireCondition condition = KvExpireCondition.None, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return ExpireAsync(new Argument(key), absolute: true, expiresAt.ToUnixTimeMilliseconds(), condition, cancellationToken);
    }

    /// <summary>
    /// Makes <paramref name="key"/> expire at <paramref name="expiresAt"/>, if <paramref name="condition"/> holds
    /// (Redis 7's <c>PEXPIREAT key time [NX|XX|GT|LT]</c>). A time at or before now removes the key.
    /// </summary>
    /// <param name="key">The key: any bytes.</param>
    /// <param name="expiresAt">When the key expires, in whole milliseconds.</param>
    /// <param name="condition">When to set it (<see cref="KvExpireCondition.None"/>: always).</param>
    /// <param name="cancellationToken">Stops waiting for the server. The request may still be carried out.</param>
    /// <returns><see cref="KvExpireResult.Applied"/>, <see cref="KvExpireResult.NotApplied"/> or <see cref="KvExpireResult.KeyMissing"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="condition"/> combines conditions that exclude each other: thrown before anything is sent.</exception>
    /// <exception cref="KvServerException">The server refused the write: <see cref="ProtocolErrorCode.OutOfMemory"/> or <see cref="ProtocolErrorCode.WriteRefused"/>.</exception>
    public ValueTask<KvExpireResult> ExpireAsync(ReadOnlyMemory<byte> key, DateTimeOffset expiresAt, KvExpireCondition condition = KvExpireCondition.None, CancellationToken cancellationToken = default) =>
        ExpireAsync(new Argument(key), absolute: true, expiresAt.ToUnixTimeMilliseconds(), condition, cancellationToken);

    /// <summary>Removes the expiry of <paramref name="key"/>, which then lives until it is removed or overwritten (Redis's <c>PERSIST</c>).</summary>
    /// <param name="key">The key (UTF-8).</param>
    /// <param name="cancellationToken">Stops waiting for the server. The request may still be carried out.</param>
    /// <returns><see cref="KvPersistResult.ExpiryRemoved"/>, <see cref="KvPersistResult.NoExpiry"/> (it had none) or <see cref="KvPersistResult.KeyMissing"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    /// <exception cref="KvServerException">The server refused the write: <see cref="ProtocolErrorCode.OutOfMemory"/> or <see cref="ProtocolErrorCode.WriteRefused"/>.</exception>
    public ValueTask<KvPersistResult> PersistAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return SendAsync<KvPersistResult, PersistResultDecoder>(CommandKind.Persist, new Argument(key), default, cancellationToken);
    }

    /// <summary>Removes the expiry of <paramref name="key"/> (Redis's <c>PERSIST</c>).</summary>
    /// <param name="key">The key: any bytes.</param>
    /// <param name="cancellationToken">Stops waiting for the server. The request may still be carried out.</param>
    /// <returns><see cref="KvPersistResult.ExpiryRemoved"/>, <see cref="KvPersistResult.NoExpiry"/> or <see cref="KvPersistResult.KeyMissing"/>.</returns>
    /// <exception cref="KvServerException">The server refused the write: <see cref="ProtocolErrorCode.OutOfMemory"/> or <see cref="ProtocolErrorCode.WriteRefused"/>.</exception>
    public ValueTask<KvPersistResult> PersistAsync(ReadOnlyMemory<byte> key, CancellationToken cancellationToken = default) =>
        SendAsync<KvPersistResult, PersistResultDecoder>(CommandKind.Persist, new Argument(key), default, cancellationToken);

    /// <summary>How long <paramref name="key"/> has left (Redis's <c>PTTL</c>).</summary>
    /// <param name="key">The key (UTF-8).</param>
    /// <param name="cancellationToken">Stops waiting for the server.</param>
    /// <returns>One of three answers: no such key, no expiry, or the time left (see <see cref="KvTimeToLive"/>).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    public ValueTask<KvTimeToLive> GetTimeToLiveAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return SendAsync<KvTimeToLive, TimeToLiveDecoder>(CommandKind.Ttl, new Argument(key), default, cancellationToken);
    }

    /// <summary>How long <paramref name="key"/> has left (Redis's <c>PTTL</c>).</summary>
    /// <param name="key">The key: any bytes.</param>
    /// <param name="cancellationToken">Stops waiting for the server.</param>
    /// <returns>One of three answers: no such key, no expiry, or the time left (see <see cref="KvTimeToLive"/>).</returns>
    public ValueTask<KvTimeToLive> GetTimeToLiveAsync(ReadOnlyMemory<byte> key, CancellationToken cancellationToken = default) =>
        SendAsync<KvTimeToLive, TimeToLiveDecoder>(CommandKind.Ttl, new Argument(key), default, cancellationToken);

    /// <summary>
    /// Reads the value at <paramref name="key"/> and makes the key expire <paramref name="expiry"/> from now, in one
    /// atomic step (Redis's <c>GETEX key PX ms</c>): a sliding expiry, as a session cache wants.
    /// </summary>
    /// <param name="key">The key (UTF-8).</param>
    /// <param name="expiry">How long the key has left, more than zero.</param>
    /// <param name="cancellationToken">Stops waiting for the server. The request may still be carried out.</param>
    /// <returns>The value decoded as UTF-8, or null when the key does not exist (nothing is changed then).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="expiry"/> is zero or less: thrown before anything is sent.</exception>
    /// <exception cref="KvServerException">The server refused the change of expiry: <see cref="ProtocolErrorCode.OutOfMemory"/> or <see cref="ProtocolErrorCode.WriteRefused"/>.</exception>
    public ValueTask<string?> GetAndExpireAsync(string key, TimeSpan expiry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var time = ExpiryArguments.ToMilliseconds(expiry);
        var flags = ExpiryArguments.ForGetEx(GetExFlags.RelativeExpiry, time, nameof(expiry));
        return SendAsync<string?, StringDecoder>(CommandKind.GetEx, new Argument(key), default, cancellationToken, flags, time);
    }

    /// <summary>
    /// Reads the value at <paramref name="key"/> and makes the key expire <paramref name="expiry"/> from now, in one
    /// atomic step (Redis's <c>GETEX key PX ms</c>).
    /// </summary>
    /// <param name="key">The key: any bytes.</param>
    /// <param name="expiry">How long the key has left, more than zero.</param>
    /// <param name="cancellationToken">Stops waiting for the server. The request may still be carried out.</param>
    /// <returns>A copy of the value, or null when the key does not exist.</returns>
    /// <exception cref="ArgumentException"><paramref name="expiry"/> is zero or less: thrown before anything is sent.</exception>
    /// <exception cref="KvServerException">The server refused the change of expiry: <see cref="ProtocolErrorCode.OutOfMemory"/> or <see cref="ProtocolErrorCode.WriteRefused"/>.</exception>
    public ValueTask<byte[]?> GetAndExpireAsync(ReadOnlyMemory<byte> key, TimeSpan expiry, CancellationToken cancellationToken = default)
    {
        var time = ExpiryArguments.ToMilliseconds(expiry);
        var flags = ExpiryArguments.ForGetEx(GetExFlags.RelativeExpiry, time, nameof(expiry));
        return SendAsync<byte[]?, BytesDecoder>(CommandKind.GetEx, new Argument(key), default, cancellationToken, flags, time);
    }

    /// <summary>
    /// Reads the value at <paramref name="key"/> and makes the key expire at <paramref name="expiresAt"/>, in one atomic
    /// step (Redis's <c>GETEX key PXAT time</c>). A time already past removes the key after the read.
    /// </summary>
    /// <param name="key">The key (UTF-8).</param>
    /// <param name="expiresAt">When the key expires, in whole milliseconds; after 1970-01-01T00:00:00Z.</param>
    /// <param name="cancellationToken">Stops waiting for the server. The request may still be carried out.</param>
    /// <returns>The value decoded as UTF-8, or null when the key does not exist.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="expiresAt"/> is not after 1970: thrown before anything is sent.</exception>
    /// <exception cref="KvServerException">The server refused the change of expiry: <see cref="ProtocolErrorCode.OutOfMemory"/> or <see cref="ProtocolErrorCode.WriteRefused"/>.</exception>
    public ValueTask<string?> GetAndExpireAsync(string key, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var time = expiresAt.ToUnixTimeMilliseconds();
        var flags = ExpiryArguments.ForGetEx(GetExFlags.AbsoluteExpiry, time, nameof(expiresAt));
        return SendAsync<string?, StringDecoder>(CommandKind.GetEx, new Argument(key), default, cancellationToken, flags, time);
    }

    /// <summary>
    /// Reads the value at <paramref name="key"/> and makes the key expire at <paramref name="expiresAt"/>, in one atomic
    /// step (Redis's <c>GETEX key PXAT time</c>). A time already past removes the key after the read.
    /// </summary>
    /// <param name="key">The key: any bytes.</param>
    /// <param name="expiresAt">When the key expires, in whole milliseconds; after 1970-01-01T00:00:00Z.</param>
    /// <param name="cancellationToken">Stops waiting for the server. The request may still be carried out.</param>
    /// <returns>A copy of the value, or null when the key does not exist.</returns>
    /// <exception cref="ArgumentException"><paramref name="expiresAt"/> is not after 1970: thrown before anything is sent.</exception>
    /// <exception cref="KvServerException">The server refused the change of expiry: <see cref="ProtocolErrorCode.OutOfMemory"/> or <see cref="ProtocolErrorCode.WriteRefused"/>.</exception>
    public ValueTask<byte[]?> GetAndExpireAsync(ReadOnlyMemory<byte> key, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        var time = expiresAt.ToUnixTimeMilliseconds();
        var flags = ExpiryArguments.ForGetEx(GetExFlags.AbsoluteExpiry, time, nameof(expiresAt));
        return SendAsync<byte[]?, BytesDecoder>(CommandKind.GetEx, new Argument(key), default, cancellationToken, flags, time);
    }

    /// <summary>Reads the value at <paramref name="key"/> and removes the key's expiry, in one atomic step (Redis's <c>GETEX key PERSIST</c>).</summary>
    /// <param name="key">The key (UTF-8).</param>
    /// <param name="cancellationToken">Stops waiting for the server. The request may still be carried out.</param>
    /// <returns>The value decoded as UTF-8, or null when the key does not exist.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    /// <exception cref="KvServerException">The server refused the change of expiry: <see cref="ProtocolErrorCode.OutOfMemory"/> or <see cref="ProtocolErrorCode.WriteRefused"/>.</exception>
    public ValueTask<string?> GetAndPersistAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return SendAsync<string?, StringDecoder>(CommandKind.GetEx, new Argument(key), default, cancellationToken, (ushort)GetExFlags.Persist, 0);
    }

    /// <summary>Reads the value at <paramref name="key"/> and removes the key's expiry, in one atomic step (Redis's <c>GETEX key PERSIST</c>).</summary>
    /// <param name="key">The key: any bytes.</param>
    /// <param name="cancellationToken">Stops waiting for the server. The request may still be carried out.</param>
    /// <returns>A copy of the value, or null when the key does not exist.</returns>
    /// <exception cref="KvServerException">The server refused the change of expiry: <see cref="ProtocolErrorCode.OutOfMemory"/> or <see cref="ProtocolErrorCode.WriteRefused"/>.</exception>
    public ValueTask<byte[]?> GetAndPersistAsync(ReadOnlyMemory<byte> key, CancellationToken cancellationToken = default) =>
        SendAsync<byte[]?, BytesDecoder>(CommandKind.GetEx, new Argument(key), default, cancellationToken, (ushort)GetExFlags.Persist, 0);

    private ValueTask<KvExpireResult> ExpireAsync(Argument key, bool absolute, long time, KvExpireCondition condition, CancellationToken cancellationToken)
    {
        var flags = ExpiryArguments.ForExpire(condition, absolute, time);
        return SendAsync<KvExpireResult, ExpireResultDecoder>(CommandKind.Expire, key, default, cancellationToken, flags, time);
    }
}
