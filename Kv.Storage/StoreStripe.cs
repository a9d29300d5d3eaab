using Kv.Storage.Expiry;
using Kv.Storage.Hashing;
using Kv.Storage.Index;
using Kv.Storage.Memory;
using Kv.Storage.Records;

namespace Kv.Storage;

/// <summary>
/// One lock's share of the store: an index (<see cref="StripeIndex"/>) over records in native pages
/// (<see cref="RecordPages"/>). Every operation does its own work plus a bounded step of whatever resize or compaction is
/// under way, so that no operation pays for a whole table or a whole stripe, whatever the store's size.
/// </summary>
/// <remarks>
/// The rule that keeps native memory safe: every read or write of a page or a table happens under this stripe's lock,
/// and pages and tables are freed only under it. A span over a record is handed out only to a callback that runs under
/// the lock (<see cref="ValueReader{TState}"/>, <see cref="RecordReader{TState}"/>), so nothing can read a page after
/// it was freed, nor see a record half written. An expired key is removed by whichever operation finds it first (a
/// lookup, StoreStripe.Expiry.cs's scan, eviction), so no operation ever sees one.
/// </remarks>
internal sealed unsafe partial class StoreStripe
{
    /// <summary>The least bytes of a victim page one write's compaction step walks.</summary>
    internal const int MinimumCompactionStep = 512;

    private readonly Lock _lock = new();
    private readonly KeyHasher _hasher;
    private readonly RecordPages _pages;
    private readonly StripeIndex _index;
    private readonly StoreClock _clock;
    private readonly EvictionPolicy _eviction;
    private volatile bool _maintenanceDue;
    private long _writes;
    private int _expiring;

    public StoreStripe(NativeMemoryPool pool, KeyHasher hasher, StoreClock clock, EvictionPolicy eviction, int resizeStep = StripeIndex.DefaultWriteStep)
    {
        _hasher = hasher;
        _clock = clock;
        _eviction = eviction;
        _pages = new RecordPages(pool);
        _index = new StripeIndex(pool, resizeStep);
    }

    public int Count => _index.Count;

    /// <summary>Keys with an expiry; a snapshot read without the lock.</summary>
    public int ExpiringCount => Volatile.Read(ref _expiring);

    /// <summary>Bytes of live records; a snapshot read without the lock.</summary>
    public long LiveBytes => _pages.LiveBytes;

    /// <summary>True when a resize or a compaction is under way, for the background maintenance to finish.</summary>
    public bool MaintenanceDue => _maintenanceDue;

    /// <summary>Writes so far: the background maintenance leaves a stripe that is being written to to its writes.</summary>
    public long Writes => Volatile.Read(ref _writes);

    // New keys start in S3-FIFO's small queue; every other policy has one queue.
    private RecordQueue NewKeyQueue => _eviction == EvictionPolicy.S3Fifo ? RecordQueue.Small : RecordQueue.Main;

    /// <summary>
    /// Reads a key's value and, unless <paramref name="change"/> keeps it, sets or removes its expiry (GETEX).
    /// </summary>
    public ExpireStatus TryRead<TState>(ReadOnlySpan<byte> key, ulong hash, KeyExpiry change, ValueReader<TState> reader, TState state, IStoreWriteObserver? observer)
    {
        lock (_lock)
        {
            // Reads leave resizes to writes and the background maintenance: a lookup stays a lookup.
            var found = FindLive(key, hash, observer);
            if (!found.Found)
            {
                return ExpireStatus.KeyMissing;
            }

            if (_eviction != EvictionPolicy.NoEviction)
            {
                *found.Slot = SlotLayout.Used(*found.Slot);
            }

            if (change.Kind != KeyExpiryKind.Keep)
            {
                // GETEX: the value is answered even when the new time removes the key.
                return ChangeExpiryWithRoom(key, hash, change, ExpireCondition.Always, observer, reader, state);
            }

            reader(_pages.ValueAt(SlotLayout.AddressOf(*found.Slot)), state);
            return ExpireStatus.Applied;
        }
    }

    /// <summary>Stores the value under a condition, with an expiry; see <see cref="MemoryStore.Set{TState}"/>.</summary>
    public SetResult Set<TState>(
        ReadOnlySpan<byte> key, ulong hash, ReadOnlySpan<byte> value, SetCondition condition, KeyExpiry expiry,
        ValueReader<TState>? previous, TState state, IStoreWriteObserver? observer)
    {
        lock (_lock)
        {
            _index.MigrateStep(_index.WriteStep);
            for (var attempt = 0; ; attempt++)
            {
                var found = FindLive(key, hash, observer);
                var existed = found.Found;
                if ((condition == SetCondition.IfMissing && existed) || (condition == SetCondition.IfExists && !existed))
                {
                    if (existed && previous is not null)
                    {
                        previous(_pages.ValueAt(SlotLayout.AddressOf(*found.Slot)), state);
                    }

                    return new SetResult(SetStatus.ConditionNotMet, existed);
                }

                var expiresAt = expiry.Kind switch
                {
                    KeyExpiryKind.Keep when existed => RecordFormat.ExpiryOf(_pages.Locate(SlotLayout.AddressOf(*found.Slot))),
                    KeyExpiryKind.After => _clock.After(expiry.Milliseconds),
                    KeyExpiryKind.At => _clock.FromUnix(expiry.Milliseconds),
                    _ => RecordFormat.NoExpiry,
                };

                // (A write without an expiry does not read the clock.)
                if (expiresAt != RecordFormat.NoExpiry && expiresAt <= _clock.Now && !_clock.Suspended)
                {
                    // A time already past: the write happens and the key expires at once, as in Redis.
                    if (existed)
                    {
                        if (previous is not null)
                        {
                            previous(_pages.ValueAt(SlotLayout.AddressOf(*found.Slot)), state);
                        }

                        RemoveFound(key, found, observer);
                        AfterWrite(MinimumCompactionStep);
                    }

                    return new SetResult(SetStatus.Applied, existed);
                }

                if (!TryStore(key, hash, value, expiresAt, found, previous, state, out var needed))
                {
                    var attempts = MaxEvictionsPerWrite(needed);
                    if (needed != 0 && attempt < attempts && Evict(observer, _clock.Now, force: attempt >= attempts - 2))
                    {
                        continue;
                    }

                    return new SetResult(SetStatus.OutOfMemory, existed, needed);
                }

                // Only once the store holds the write: an observer (the log) never records a write that was not applied.
                observer?.OnSet(key, value, _clock.ToUnix(expiresAt));
                AfterWrite(Math.Max(MinimumCompactionStep, 2 * RecordFormat.SizeOf(key.Length, value.Length, false)));
                return new SetResult(SetStatus.Applied, existed);
            }
        }
    }

    public bool Remove<TState>(ReadOnlySpan<byte> key, ulong hash, ValueReader<TState>? reader, TState state, IStoreWriteObserver? observer)
    {
        lock (_lock)
        {
            _index.MigrateStep(_index.WriteStep);
            var found = FindLive(key, hash, observer);
            if (!found.Found)
            {
                return false;
            }

            reader?.Invoke(_pages.ValueAt(SlotLayout.AddressOf(*found.Slot)), state);
            RemoveFound(key, found, observer);
            AfterWrite(MinimumCompactionStep);
            return true;
        }
    }

    public void ReadAll<TState>(RecordReader<TState> reader, TState state)
    {
        lock (_lock)
        {
            var now = _clock.Now;
            foreach (var slot in _index)
            {
                var record = _pages.Locate(SlotLayout.AddressOf(slot));
                var header = RecordFormat.ReadHeader(record, out var keyLength, out var valueLength);
                var expiresAt = RecordFormat.ExpiryOf(record);
                if (expiresAt > now)
                {
                    reader(new ReadOnlySpan<byte>(record + header, keyLength), new ReadOnlySpan<byte>(record + header + keyLength, valueLength), _clock.ToUnix(expiresAt), state);
                }
            }
        }
    }

    // Writes the new record (the old one, if any, stays untouched until the new one is in). False, with nothing changed,
    // when there was no memory: `needed` says how much.
    private bool TryStore<TState>(
        ReadOnlySpan<byte> key, ulong hash, ReadOnlySpan<byte> value, long expiresAt, SlotRef found,
        ValueReader<TState>? previous, TState state, out long needed)
    {
        needed = 0;
        var expires = expiresAt != RecordFormat.NoExpiry;
        if (!found.Found)
        {
            if (!_index.TryEnsureRoomForInsert(out needed) || !_pages.TryAppend(NewKeyQueue, key, value, expiresAt, out var added, out needed))
            {
                return false;
            }

            _index.Insert(hash, added, expires);
            _expiring += expires ? 1 : 0;
            return true;
        }

        var slot = *found.Slot;
        var address = SlotLayout.AddressOf(slot);
        var record = _pages.Locate(address);
        var header = RecordFormat.ReadHeader(record, out var keyLength, out var valueLength);
        var oldExpires = SlotLayout.Expires(slot);
        if (valueLength == value.Length && oldExpires == expires)
        {
            // Same size: overwrite in place, no garbage.
            previous?.Invoke(new ReadOnlySpan<byte>(record + header + keyLength, valueLength), state);
            value.CopyTo(new Span<byte>(record + header + keyLength, valueLength));
            if (expires)
            {
                RecordFormat.SetExpiry(record, expiresAt);
            }
        }
        else
        {
            if (!_pages.TryAppend(_pages.QueueOf(RecordPages.PageOf(address)), key, value, expiresAt, out var moved, out needed))
            {
                return false;
            }

            previous?.Invoke(new ReadOnlySpan<byte>(record + header + keyLength, valueLength), state);
            _pages.Free(address, header + keyLength + valueLength);
            slot = SlotLayout.WithExpires(SlotLayout.WithAddress(slot, moved), expires);
            _expiring += (expires ? 1 : 0) - (oldExpires ? 1 : 0);
        }

        *found.Slot = _eviction == EvictionPolicy.NoEviction ? slot : SlotLayout.Used(slot);
        return true;
    }

    // Finds a key's slot; a key found expired is removed on the spot and reported missing.
    private SlotRef FindLive(ReadOnlySpan<byte> key, ulong hash, IStoreWriteObserver? observer)
    {
        var matcher = new KeyMatcher(_pages, key);
        var found = _index.Find(hash, ref matcher);
        if (found.Found && SlotLayout.Expires(*found.Slot) && !_clock.Suspended
            && RecordFormat.ExpiryOf(_pages.Locate(SlotLayout.AddressOf(*found.Slot))) <= _clock.Now)
        {
            RemoveFound(key, found, observer);
            ExpiredKeys++;
            return default;
        }

        return found;
    }

    private void RemoveFound(ReadOnlySpan<byte> key, SlotRef found, IStoreWriteObserver? observer)
    {
        var slot = *found.Slot;
        var address = SlotLayout.AddressOf(slot);
        var size = RecordFormat.SizeAt(_pages.Locate(address));

        // The observer first: the key may be a span over the record about to be freed.
        observer?.OnRemoved(key);
        _index.Remove(found);
        _pages.Free(address, size);
        _expiring -= SlotLayout.Expires(slot) ? 1 : 0;
    }

    private void AfterWrite(int compactionBudget)
    {
        Volatile.Write(ref _writes, _writes + 1);
        Compact(compactionBudget);
        _maintenanceDue = _index.IsMigrating || _pages.CompactionWanted;
    }

    /// <summary>Compares the key of a slot's record with the key looked for.</summary>
    private readonly ref struct KeyMatcher : ISlotMatcher
    {
        private readonly RecordPages _pages;
        private readonly ReadOnlySpan<byte> _key;

        public KeyMatcher(RecordPages pages, ReadOnlySpan<byte> key)
        {
            _pages = pages;
            _key = key;
        }

        public bool Matches(ulong slot) => _pages.KeyAt(SlotLayout.AddressOf(slot)).SequenceEqual(_key);
    }
}
