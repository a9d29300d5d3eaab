using System.Diagnostics;
using System.Numerics;
using Kv.Storage.Expiry;
using Kv.Storage.Hashing;
using Kv.Storage.Memory;

namespace Kv.Storage;

/// <summary>
/// An in-memory key-value store of binary keys and values, safe for any number of concurrent callers. The keyspace is
/// split into stripes by a keyed hash of the key (SipHash-1-3 under a random key per store, so clients cannot aim keys
/// at one stripe or probe chain), each with its own short lock. Records and indexes live in native memory that the
/// garbage collector never sees; what the store frees goes back to the system. Lookups take the key as a span: nothing
/// is allocated to find, read or write a key.
/// </summary>
/// <remarks>
/// No operation pays for more than a bounded amount of store work, whatever the store's size: indexes are resized and
/// mostly-dead pages compacted a few slots or records at a time, by the writes to their stripe and, once a stripe is no
/// longer written to, by a background timer. A write that cannot get the memory it needs throws
/// <see cref="StoreOutOfMemoryException"/> and leaves the store exactly as it was. Dispose the store once nothing uses
/// it: its memory is returned then (or, failing that, when it is finalized).
/// </remarks>
public sealed partial class MemoryStore : IDisposable
{
    // Per maintenance tick: the work done under one lock hold, and the time all of them may take together.
    private const int MaintenanceSlotsPerStep = 4096;
    private const int MaintenanceBytesPerStep = 16 * 1024;
    private static readonly long MaintenanceTickBudget = Stopwatch.Frequency / 500;

    private readonly StoreStripe[] _stripes;
    private readonly int _stripeShift;
    private readonly KeyHasher _hasher;
    private readonly NativeMemoryPool _pool;
    private readonly StoreClock _clock;
    private readonly long _expiryBudget;
    private readonly Lock _maintenanceGate = new();
    private readonly Timer? _maintenance;
    private readonly long[] _writesSeen;
    private bool _disposed;
    private IStoreWriteObserver? _observer;
    private volatile string? _writesRefused;

    /// <summary>Creates an empty store with the default options.</summary>
    public MemoryStore()
        : this(MemoryStoreOptions.Default)
    {
    }

    /// <summary>Creates an empty store.</summary>
    /// <param name="options">Stripes, memory limit and maintenance.</param>
    public MemoryStore(MemoryStoreOptions options)
        : this(options, new KeyHasher())
    {
    }

    internal MemoryStore(MemoryStoreOptions options, KeyHasher hasher)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        _hasher = hasher;
        _pool = new NativeMemoryPool(options.MemoryLimit);
        _clock = new StoreClock(options.TimeProvider);
        _expiryBudget = (long)(options.MaintenanceInterval.TotalSeconds * Stopwatch.Frequency / 4);
        _stripes = new StoreStripe[options.StripeCount];
        _writesSeen = new long[options.StripeCount];
        for (var i = 0; i < _stripes.Length; i++)
        {
            _stripes[i] = new StoreStripe(_pool, hasher, _clock, options.Eviction, options.ResizeStep);
        }

        // Stripes take the hash's top bits; slots inside a stripe take its low bits.
        _stripeShift = 64 - BitOperations.Log2((uint)options.StripeCount);
        if (options.BackgroundMaintenance)
        {
            // The timer holds the store weakly, so that a store nobody disposed can still be collected and its memory freed.
            var ticket = new MaintenanceTicket(new WeakReference<MemoryStore>(this));
            _maintenance = new Timer(static state => ((MaintenanceTicket)state!).Run(), ticket, Timeout.Infinite, Timeout.Infinite);
            ticket.Timer = _maintenance;
            _maintenance.Change(options.MaintenanceInterval, options.MaintenanceInterval);
        }
    }

    /// <summary>The options the store was made with.</summary>
    public MemoryStoreOptions Options { get; }

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

    /// <summary>
    /// Bytes of native memory the store holds: record pages (live records, dead ones awaiting compaction, the unused end
    /// of each stripe's current page), records of their own, and indexes. This is what <see cref="MemoryStoreOptions.MemoryLimit"/> bounds.
    /// </summary>
    public long AllocatedBytes => _pool.AllocatedBytes;

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
        var hash = _hasher.Hash(key);
        return StripeFor(hash).TryRead(key, hash, KeyExpiry.Keep, reader, state, _observer) == ExpireStatus.Applied;
    }

    /// <summary>
    /// Stores <paramref name="value"/> at <paramref name="key"/>, replacing any previous value; then tells the observer
    /// (<see cref="Observe"/>), if any, while the key's stripe is still locked.
    /// </summary>
    /// <exception cref="StoreOutOfMemoryException">The write needed memory the store could not have; nothing changed.</exception>
    /// <exception cref="StoreWriteRefusedException">The store refuses writes for now (<see cref="RefuseWrites"/>); nothing changed.</exception>
    public void Set(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (!TrySet(key, value, out var needed))
        {
            throw needed < 0
                ? new StoreOutOfMemoryException("out of memory: a stripe's index holds its most keys")
                : StoreOutOfMemoryException.For(_pool, needed);
        }
    }

    /// <summary>
    /// Stores <paramref name="value"/> at <paramref name="key"/> as <see cref="Set"/> does, but answers a lack of memory
    /// with false instead of an exception: a store at its limit refuses every write that needs more, and a server must
    /// refuse them without the cost of an exception each.
    /// </summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="needed">When false: the bytes that could not be had, or -1 when a stripe's index cannot grow at all.</param>
    /// <returns>True when stored; false, with nothing changed, when there was no memory for it.</returns>
    /// <exception cref="StoreWriteRefusedException">The store refuses writes for now (<see cref="RefuseWrites"/>); nothing changed.</exception>
    public bool TrySet(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, out long needed)
    {
        var result = Set<object?>(key, value, SetCondition.Always, KeyExpiry.Never, null, null);
        needed = result.Needed;
        return result.Status == SetStatus.Applied;
    }

    /// <summary>
    /// Removes a key. When it existed, <paramref name="reader"/> (if any) receives the removed value, and then the
    /// observer (<see cref="Observe"/>), if any, is told, while the key's stripe is still locked.
    /// </summary>
    /// <returns>True when the key existed.</returns>
    /// <exception cref="StoreWriteRefusedException">The store refuses writes for now (<see cref="RefuseWrites"/>); nothing changed.</exception>
    public bool Remove<TState>(ReadOnlySpan<byte> key, ValueReader<TState>? reader, TState state)
    {
        ThrowIfWritesRefused();
        var hash = _hasher.Hash(key);
        return StripeFor(hash).Remove(key, hash, reader, state, _observer);
    }

    /// <summary>Removes a key without reading its value.</summary>
    /// <returns>True when the key existed.</returns>
    public bool Remove(ReadOnlySpan<byte> key) => Remove<object?>(key, null, null);

    /// <summary>Why the store refuses writes now (<see cref="RefuseWrites"/>), or null when it accepts them.</summary>
    public string? WritesRefusedReason => _writesRefused;

    /// <summary>
    /// Refuses every later write (<see cref="Set"/>, <see cref="Remove{TState}"/>) with a
    /// <see cref="StoreWriteRefusedException"/> carrying <paramref name="reason"/>, until <see cref="AcceptWrites"/>;
    /// reads go on. The append-only log does this while its disk is full. A write already under way when this is called
    /// may still be applied.
    /// </summary>
    public void RefuseWrites(string reason)
    {
        ArgumentException.ThrowIfNullOrEmpty(reason);
        _writesRefused = reason;
    }

    /// <summary>Accepts writes again after <see cref="RefuseWrites"/>.</summary>
    public void AcceptWrites() => _writesRefused = null;

    /// <summary>
    /// Tells <paramref name="observer"/> of every write the store applies from now on, under the key's stripe lock, so
    /// that writes to one key reach it in the order they were applied; a write the store refuses is not told. One
    /// observer per store (the append-only log attaches itself when it opens); attach it before the store is shared.
    /// </summary>
    /// <exception cref="InvalidOperationException">The store has an observer already.</exception>
    public void Observe(IStoreWriteObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        if (Interlocked.CompareExchange(ref _observer, observer, null) is not null)
        {
            throw new InvalidOperationException("The store has a write observer already.");
        }
    }

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

    /// <summary>
    /// Stops the background maintenance and returns all of the store's memory to the system. No other call may run
    /// meanwhile, nor any call be made afterwards.
    /// </summary>
    public void Dispose()
    {
        lock (_maintenanceGate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _maintenance?.Dispose();
        _pool.Dispose();
    }

    /// <summary>The stripe a key's hash belongs to (for tests).</summary>
    internal StoreStripe StripeFor(ReadOnlySpan<byte> key) => StripeFor(_hasher.Hash(key));

    /// <summary>The stripes (for tests).</summary>
    internal IReadOnlyList<StoreStripe> Stripes => _stripes;

    /// <summary>
    /// Runs the maintenance that the timer runs: bounded steps of the resizes and compactions under way in stripes that
    /// were not written to since the last run, for at most about two milliseconds in all. A stripe that is being written
    /// to is left alone: its writes advance its own work, and a maintenance thread holding its lock could be preempted
    /// there and stall them (on a busy machine, for as long as the scheduler's time slice).
    /// </summary>
    /// <returns>True when work remains.</returns>
    internal bool Maintain()
    {
        lock (_maintenanceGate)
        {
            if (_disposed)
            {
                return false;
            }

            RemoveExpired();
            var deadline = Stopwatch.GetTimestamp() + MaintenanceTickBudget;
            var remaining = false;
            for (var i = 0; i < _stripes.Length; i++)
            {
                var stripe = _stripes[i];
                var writes = stripe.Writes;
                var busy = writes != _writesSeen[i];
                _writesSeen[i] = writes;
                if (busy)
                {
                    remaining |= stripe.MaintenanceDue;
                    continue;
                }

                while (stripe.MaintenanceDue)
                {
                    if (Stopwatch.GetTimestamp() > deadline)
                    {
                        return true;
                    }

                    stripe.Maintain(MaintenanceSlotsPerStep, MaintenanceBytesPerStep);
                }
            }

            return remaining;
        }
    }

    private void ThrowIfWritesRefused()
    {
        if (_writesRefused is { } reason)
        {
            throw new StoreWriteRefusedException(reason);
        }
    }

    private StoreStripe StripeFor(ulong hash) => _stripes[(int)(hash >> _stripeShift) & (_stripes.Length - 1)];

    private sealed class MaintenanceTicket(WeakReference<MemoryStore> store)
    {
        public Timer? Timer { get; set; }

        public void Run()
        {
            if (store.TryGetTarget(out var target))
            {
                target.Maintain();
            }
            else
            {
                Timer?.Dispose();
            }
        }
    }
}
