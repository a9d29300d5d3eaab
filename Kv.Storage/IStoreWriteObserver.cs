namespace Kv.Storage;

/// <summary>
/// Told of each write once the store has applied it, still under the lock of the key's stripe, before any other write
/// to that key can be applied: so the writes to one key reach the observer in the order the store applied them, whatever
/// the callers, and a write the store refused (<see cref="StoreOutOfMemoryException"/>) never reaches it. The
/// append-only log is one. Must be quick, must not throw, and must not call back into the store.
/// </summary>
public interface IStoreWriteObserver
{
    /// <summary>The key now holds the value, expiring at <paramref name="expiresAt"/> (Unix milliseconds), or never when 0.</summary>
    void OnSet(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, long expiresAt);

    /// <summary>The key's expiry is now <paramref name="expiresAt"/> (Unix milliseconds), or none when 0.</summary>
    void OnExpiryChanged(ReadOnlySpan<byte> key, long expiresAt);

    /// <summary>The key, which existed, was removed: by a caller, or because it expired or was evicted.</summary>
    void OnRemoved(ReadOnlySpan<byte> key);
}
