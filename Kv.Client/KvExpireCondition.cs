namespace Kv.Client;

/// <summary>
/// When <see cref="KvClient.ExpireAsync(string, TimeSpan, KvExpireCondition, CancellationToken)"/> sets the expiry:
/// Redis 7's <c>NX</c>, <c>XX</c>, <c>GT</c> and <c>LT</c>. <see cref="IfHasExpiry"/> may be combined with
/// <see cref="IfLater"/> or <see cref="IfSooner"/> (<c>XX GT</c>); any other combination throws
/// <see cref="ArgumentException"/> before anything is sent.
/// </summary>
[Flags]
public enum KvExpireCondition
{
    /// <summary>Set the expiry whatever the key has now.</summary>
    None = 0,

    /// <summary>Only if the key has no expiry (Redis's <c>NX</c>). Excludes every other condition.</summary>
    IfNoExpiry = 0x1,

    /// <summary>Only if the key has an expiry (Redis's <c>XX</c>).</summary>
    IfHasExpiry = 0x2,

    /// <summary>
    /// Only if the new expiry is later than the current one (Redis's <c>GT</c>). No expiry counts as never, so this
    /// never applies to a key without one.
    /// </summary>
    IfLater = 0x4,

    /// <summary>
    /// Only if the new expiry is sooner than the current one (Redis's <c>LT</c>). No expiry counts as never, so this
    /// always applies to a key without one.
    /// </summary>
    IfSooner = 0x8,
}
