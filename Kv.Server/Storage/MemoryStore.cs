using System.Numerics;

namespace Kv.Server.Storage;

/// <summary>
/// The in-memory key-value store: binary keys and values, safe for any number of concurrent callers. The keyspace
/// is split into stripes by hash, each with its own short lock, so callers on different cores rarely meet. Lookups
/// take the key as a span: nothing is allocated to find a key.
/// </summary>
public sealed class MemoryStore
{
    /// <summary>
    /// The default number of stripes: enough that lock collisions are rare with a few event threads, few enough that
    /// the half-filled last page of each stripe costs little (about 2 bytes a key at a million keys).
    /// </summary>
    public const int DefaultStripeCount = 64;

    private readonly StoreStripe[] _stripes;
    private readonly int _stripeShift;

    /// <summary>Creates an empty store.</summary>
    /// <param name="stripeCount">How many independently locked stripes; a power of two from 1 to 65,536.</param>
    public MemoryStore(int stripeCount = DefaultStripeCount)
    {
        if (stripeCount < 1 || stripeCount > 65536 || !BitOperations.IsPow2(stripeCount))
        {
            throw new ArgumentOutOfRangeException(nameof(stripeCount), stripeCount, "The stripe count must be a power of two from 1 to 65,536.");
        }

        _stripes = new StoreStripe[stripeCount];
        for (var i = 0; i < stripeCount; i++)
        {
            _stripes[i] = new StoreStripe();
        }

        // Stripes take the hash's top bits; slots inside a stripe take its low bits.
        _stripeShift = 64 - BitOperations.Log2((uint)stripeCount);
        KeyHash.Initialize();
    }

    /// <summary>The number of keys. Exact when no writer is running; a snapshot otherwise.</summary>
    public long Count
    {
        get
        {
            long count = 0;
            foreach (var stripe in _stripes)
            {
                count += stripe.Count;
            }

            return count;
        }
    }

    /// <summary>Bytes held by the store's pages and indexes (a snapshot; locks each stripe in turn).</summary>
    public long AllocatedBytes
    {
        get
        {
            long bytes = 0;
            foreach (var stripe in _stripes)
            {
                bytes += stripe.AllocatedBytes;
            }

            return bytes;
        }
    }

    /// <summary>The number of stripes, for <see cref="ReadStripe{TState}"/>.</summary>
    public int StripeCount => _stripes.Length;

    /// <summary>
    /// Bytes of live keys and values with their two length prefixes: what the data would take if written out once
    /// (a snapshot, read without locks).
    /// </summary>
    public long LiveBytes
    {
        get
        {
            long bytes = 0;
            foreach (var stripe in _stripes)
            {
                bytes += stripe.LiveBytes;
            }

            return bytes;
        }
    }

    /// <summary>
    /// Looks a key up and, when it exists, hands its value to <paramref name="reader"/> while the value is held steady.
    /// </summary>
    /// <returns>True when the key exists.</returns>
    public bool TryRead<TState>(ReadOnlySpan<byte> key, ValueReader<TState> reader, TState state)
    {
        var hash = KeyHash.Compute(key);
        return StripeFor(hash).TryRead(key, hash, reader, state);
    }

    /// <summary>Stores <paramref name="value"/> at <paramref name="key"/>, replacing any previous value.</summary>
    public void Set(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        var hash = KeyHash.Compute(key);
        StripeFor(hash).Set(key, hash, value, null);
    }

    /// <summary>
    /// Stores <paramref name="value"/> at <paramref name="key"/> and tells <paramref name="observer"/> while the
    /// key's stripe is still locked, so that writes to one key reach it in the order they were applied.
    /// </summary>
    public void Set(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, IStoreWriteObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        var hash = KeyHash.Compute(key);
        StripeFor(hash).Set(key, hash, value, observer);
    }

    /// <summary>
    /// Removes a key. When it existed, <paramref name="reader"/> (if any) receives the removed value first.
    /// </summary>
    /// <returns>True when the key existed.</returns>
    public bool Remove<TState>(ReadOnlySpan<byte> key, ValueReader<TState>? reader, TState state)
    {
        var hash = KeyHash.Compute(key);
        return StripeFor(hash).Remove(key, hash, reader, state, null);
    }

    /// <summary>
    /// Removes a key. When it existed, <paramref name="reader"/> (if any) receives the removed value, and then
    /// <paramref name="observer"/> is told, while the key's stripe is still locked.
    /// </summary>
    /// <returns>True when the key existed.</returns>
    public bool Remove<TState>(ReadOnlySpan<byte> key, ValueReader<TState>? reader, TState state, IStoreWriteObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        var hash = KeyHash.Compute(key);
        return StripeFor(hash).Remove(key, hash, reader, state, observer);
    }

    /// <summary>Removes a key without reading its value.</summary>
    /// <returns>True when the key existed.</returns>
    public bool Remove(ReadOnlySpan<byte> key) => Remove<object?>(key, null, null);

    /// <summary>
    /// Hands every record of one stripe to <paramref name="reader"/> while that stripe is locked: a consistent copy
    /// of a 1/<see cref="StripeCount"/> share of the store, taken without stopping the other stripes. Writes to the
    /// stripe wait until it returns, so the reader should only copy.
    /// </summary>
    /// <param name="stripe">From 0 to <see cref="StripeCount"/> - 1.</param>
    /// <param name="reader">Receives each key and value; must not call back into the store.</param>
    /// <param name="state">Passed to the reader.</param>
    public void ReadStripe<TState>(int stripe, RecordReader<TState> reader, TState state)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(stripe);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(stripe, _stripes.Length);
        _stripes[stripe].ReadAll(reader, state);
    }

    private StoreStripe StripeFor(ulong hash) => _stripes[(int)(hash >> _stripeShift) & (_stripes.Length - 1)];
}
