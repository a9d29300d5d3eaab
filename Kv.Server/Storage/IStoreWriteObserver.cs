namespace Kv.Server.Storage;

/// <summary>
/// Told of each write the store applies, under the lock of the key's stripe, before any other write to that key can
/// be applied: so the writes to one key reach the observer in the order the store applied them, whatever the
/// connections. The append-only log is one. Must be quick, must not throw, and must not call back into the store.
/// </summary>
public interface IStoreWriteObserver
{
    /// <summary>The key now holds the value.</summary>
    void OnSet(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value);

    /// <summary>The key, which existed, was removed.</summary>
    void OnRemoved(ReadOnlySpan<byte> key);
}

/// <summary>Receives one stored record while its stripe is locked; the spans are valid only during the call.</summary>
public delegate void RecordReader<in TState>(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, TState state);
