namespace Kv.Storage;

/// <summary>
/// Told of each write once the store has applied it, still under the lock of the key's stripe, before any other write
/// to that key can be applied: so the writes to one key reach the observer in the order the store applied them, whatever
/// the callers, and a write the store refused (<see cref="StoreOutOfMemoryException"/>) never reaches it. The
/// append-only log is one. Must be quick, must not throw, and must not call back into the store.
/// </summary>
public interface IStoreWriteObserver
{
    /// <summary>The key now holds the value.</summary>
    void OnSet(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value);

    /// <summary>The key, which existed, was removed.</summary>
    void OnRemoved(ReadOnlySpan<byte> key);
}
