namespace Kv.Storage;

/// <summary>What a write does to a key's expiry: remove it, keep it, or set it (relative or absolute).</summary>
public enum KeyExpiryKind : byte
{
    /// <summary>The key does not expire (any expiry it had is removed), as a plain Redis SET or PERSIST.</summary>
    Never = 0,

    /// <summary>The key keeps the expiry it had, if any (Redis's KEEPTTL; GETEX without options).</summary>
    Keep = 1,

    /// <summary>The key expires a number of milliseconds from now (Redis's PX).</summary>
    After = 2,

    /// <summary>The key expires at a Unix time in milliseconds (Redis's PXAT).</summary>
    At = 3,
}

/// <summary>An expiry to apply to a key; see <see cref="KeyExpiryKind"/>. A time in the past removes the key.</summary>
public readonly record struct KeyExpiry(KeyExpiryKind Kind, long Milliseconds)
{
    /// <summary>No expiry.</summary>
    public static KeyExpiry Never => default;

    /// <summary>Keep the key's expiry.</summary>
    public static KeyExpiry Keep => new(KeyExpiryKind.Keep, 0);

    /// <summary>Expire <paramref name="milliseconds"/> from now.</summary>
    public static KeyExpiry After(long milliseconds) => new(KeyExpiryKind.After, milliseconds);

    /// <summary>Expire after <paramref name="timeToLive"/>.</summary>
    public static KeyExpiry After(TimeSpan timeToLive) => new(KeyExpiryKind.After, (long)timeToLive.TotalMilliseconds);

    /// <summary>Expire at the Unix time <paramref name="unixMilliseconds"/>.</summary>
    public static KeyExpiry At(long unixMilliseconds) => new(KeyExpiryKind.At, unixMilliseconds);

    /// <summary>Expire at <paramref name="time"/>.</summary>
    public static KeyExpiry At(DateTimeOffset time) => new(KeyExpiryKind.At, time.ToUnixTimeMilliseconds());
}
