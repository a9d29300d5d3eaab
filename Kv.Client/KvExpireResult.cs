namespace Kv.Client;

/// <summary>What <see cref="KvClient.ExpireAsync(string, TimeSpan, KvExpireCondition, CancellationToken)"/> did.</summary>
public enum KvExpireResult
{
    /// <summary>There is no such key: nothing was done.</summary>
    KeyMissing = 0,

    /// <summary>The key exists, but the condition (<see cref="KvExpireCondition"/>) did not hold: its expiry is unchanged.</summary>
    NotApplied = 1,

    /// <summary>The expiry was set; for a time at or before now, the key was removed.</summary>
    Applied = 2,
}
