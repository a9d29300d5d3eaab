using System.Globalization;

namespace Kv.Client;

/// <summary>
/// The answer of <see cref="KvClient.GetTimeToLiveAsync(string, CancellationToken)"/>, one of three that cannot be
/// mistaken for one another (Redis's <c>PTTL</c> answers -2, -1 or a time):
/// <list type="bullet">
/// <item><description>the key does not exist: <see cref="KeyExists"/> false (and <see cref="Remaining"/> null);</description></item>
/// <item><description>it exists without an expiry: <see cref="KeyExists"/> true, <see cref="HasExpiry"/> false, <see cref="Remaining"/> null;</description></item>
/// <item><description>it expires: <see cref="HasExpiry"/> true and <see cref="Remaining"/> the time it has left, zero or more, in whole milliseconds.</description></item>
/// </list>
/// <code>
/// var ttl = await client.GetTimeToLiveAsync("session:42");
/// if (ttl.Remaining is { } left) { ... } else if (ttl.KeyExists) { /* no expiry */ } else { /* no such key */ }
/// </code>
/// The default value is <see cref="KeyMissing"/>.
/// </summary>
public readonly record struct KvTimeToLive
{
    private KvTimeToLive(bool keyExists, TimeSpan? remaining)
    {
        KeyExists = keyExists;
        Remaining = remaining;
    }

    /// <summary>The answer for a key that does not exist.</summary>
    public static KvTimeToLive KeyMissing => default;

    /// <summary>The answer for a key that exists without an expiry.</summary>
    public static KvTimeToLive NoExpiry { get; } = new(true, null);

    /// <summary>True when the key exists (with or without an expiry).</summary>
    public bool KeyExists { get; }

    /// <summary>True when the key exists and has an expiry; <see cref="Remaining"/> then holds the time left.</summary>
    public bool HasExpiry => Remaining.HasValue;

    /// <summary>The time the key has left (zero or more), or null when it has no expiry or does not exist.</summary>
    public TimeSpan? Remaining { get; }

    /// <summary>The answer for a key that expires after <paramref name="remaining"/>.</summary>
    /// <param name="remaining">The time left, zero or more.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="remaining"/> is negative.</exception>
    public static KvTimeToLive ExpiresIn(TimeSpan remaining)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(remaining, TimeSpan.Zero);
        return new KvTimeToLive(true, remaining);
    }

    /// <summary><c>key missing</c>, <c>no expiry</c>, or <c>expires in 1500 ms</c>.</summary>
    public override string ToString() => Remaining is { } left
        ? $"expires in {((long)left.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)} ms"
        : KeyExists ? "no expiry" : "key missing";
}
