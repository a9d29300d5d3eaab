namespace Kv.Protocol;

/// <summary>
/// The option bits of EXPIRE (<see cref="CommandKind.Expire"/>), Redis 7's <c>PEXPIRE key ms</c> and
/// <c>PEXPIREAT key time</c> with <c>[NX|XX|GT|LT]</c>. Exactly one of <see cref="RelativeExpiry"/> and
/// <see cref="AbsoluteExpiry"/> is required; <see cref="CommandOptions.Validate"/> says which combinations are invalid. A
/// time at or before now removes the key (when the condition holds).
/// </summary>
[Flags]
public enum ExpireFlags : ushort
{
    /// <summary>No condition (and no kind of time: invalid alone).</summary>
    None = 0,

    /// <summary>NX: only if the key has no expiry. Excludes every other condition.</summary>
    IfNoExpiry = 0x0001,

    /// <summary>XX: only if the key has an expiry.</summary>
    IfHasExpiry = 0x0002,

    /// <summary>GT: only if the new expiry is later than the current one; no expiry counts as never, so it never applies then.</summary>
    IfLater = 0x0004,

    /// <summary>LT: only if the new expiry is sooner than the current one; no expiry counts as never, so it always applies then.</summary>
    IfSooner = 0x0008,

    /// <summary>The time is milliseconds from now (<c>PEXPIRE</c>).</summary>
    RelativeExpiry = 0x0010,

    /// <summary>The time is a Unix time in milliseconds (<c>PEXPIREAT</c>).</summary>
    AbsoluteExpiry = 0x0020,
}
