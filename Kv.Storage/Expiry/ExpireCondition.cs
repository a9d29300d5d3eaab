namespace Kv.Storage;

/// <summary>When an expiry change applies (Redis 7's EXPIRE options).</summary>
public enum ExpireCondition : byte
{
    /// <summary>Always.</summary>
    Always = 0,

    /// <summary>Only when the key has no expiry (NX).</summary>
    IfNone = 1,

    /// <summary>Only when the key has an expiry (XX).</summary>
    IfAny = 2,

    /// <summary>Only when the new expiry is later than the current one; a key without one counts as never expiring (GT).</summary>
    IfLater = 3,

    /// <summary>Only when the new expiry is sooner than the current one; a key without one counts as never expiring (LT).</summary>
    IfSooner = 4,

    /// <summary>Only when the key has an expiry and the new one is sooner (XX with LT).</summary>
    IfAnyAndSooner = 5,
}

/// <summary>What an expiry change (EXPIRE, PERSIST, GETEX) did.</summary>
public enum ExpireStatus : byte
{
    /// <summary>The key does not exist; nothing changed.</summary>
    KeyMissing = 0,

    /// <summary>The change was made (a time in the past removed the key).</summary>
    Applied = 1,

    /// <summary>The condition did not hold (PERSIST: the key had no expiry); nothing changed.</summary>
    NotApplied = 2,

    /// <summary>The change needed memory there was none of; nothing changed.</summary>
    OutOfMemory = 3,
}
