namespace Kv.Client;

/// <summary>
/// How <see cref="KvClient.SetAsync(string, string, KvSetOptions, CancellationToken)"/> and
/// <see cref="KvClient.GetAndSetAsync(string, string, KvSetOptions, CancellationToken)"/> write: an expiry and a
/// condition, Redis's <c>SET key value [NX|XX] [PX ms|PXAT time|KEEPTTL]</c>. A small struct: passing one allocates
/// nothing. The default writes unconditionally and leaves the key without an expiry, as a plain SET does.
/// <code>
/// await client.SetAsync("session:42", token, new KvSetOptions { Expiry = TimeSpan.FromMinutes(20) });
/// var lease = await client.SetAsync("lock:job", owner, new KvSetOptions { Condition = KvSetCondition.IfMissing, Expiry = TimeSpan.FromSeconds(30) });
/// </code>
/// At most one of <see cref="Expiry"/>, <see cref="ExpiresAt"/> and <see cref="KeepTtl"/> may be given; the call checks
/// this (with <c>Kv.Protocol</c>'s <c>CommandOptions.Validate</c>, the server's own rules) and throws
/// <see cref="ArgumentException"/> before anything is sent.
/// </summary>
public readonly record struct KvSetOptions
{
    /// <summary>
    /// The key expires this long after the write (Redis's <c>PX</c>): more than zero; counted in whole milliseconds, a
    /// fraction of a millisecond rounded up. Null (the default): no relative expiry.
    /// </summary>
    public TimeSpan? Expiry { get; init; }

    /// <summary>
    /// The key expires at this time (Redis's <c>PXAT</c>), in whole milliseconds: after 1970-01-01T00:00:00Z. A time
    /// already past makes a write that applies remove the key. The server turns it into a time on its own monotonic
    /// clock when the request arrives (docs/protocol.md, Clocks). Null (the default): no absolute expiry.
    /// </summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>
    /// Keep the expiry the key had, if any (Redis's <c>KEEPTTL</c>), instead of leaving it without one. Excludes
    /// <see cref="Expiry"/> and <see cref="ExpiresAt"/>. Default false.
    /// </summary>
    public bool KeepTtl { get; init; }

    /// <summary>When the write happens: always (the default), only if the key is missing, or only if it exists.</summary>
    public KvSetCondition Condition { get; init; }
}
