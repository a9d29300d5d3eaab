namespace Kv.Client;

/// <summary>What <see cref="KvClient.PersistAsync(string, CancellationToken)"/> did.</summary>
public enum KvPersistResult
{
    /// <summary>There is no such key: nothing was done.</summary>
    KeyMissing = 0,

    /// <summary>The key exists and had no expiry: nothing was done.</summary>
    NoExpiry = 1,

    /// <summary>The key's expiry was removed: it now lives until it is removed or overwritten.</summary>
    ExpiryRemoved = 2,
}
