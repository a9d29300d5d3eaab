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
/// it was freed, nor see a record half written.
/// </remarks>
internal sealed unsafe partial class StoreStripe
{
    /// <summary>The least bytes of a victim page one write's compaction step walks.</summary>
    internal const int MinimumCompactionStep = 512;

    private readonly Lock _lock = new();
    private readonly KeyHasher _hasher;
    private readonly RecordPages _pages;
    private readonly StripeIndex _index;
    private volatile bool _maintenanceDue;
    private long _writes;

    public StoreStripe(NativeMemoryPool pool, KeyHasher hasher, int resizeStep = StripeIndex.DefaultWriteStep)
    {
        _hasher = hasher;
        _pages = new RecordPages(pool);
        _index = new StripeIndex(pool, resizeStep);
    }

    public int Count => _index.Count;

    /// <summary>Bytes of live records; a snapshot read without the lock.</summary>
    public long LiveBytes => _pages.LiveBytes;

    /// <summary>True when a resize or a compaction is under way, for the background maintenance to finish.</summary>
    public bool MaintenanceDue => _maintenanceDue;

    /// <summary>Writes so far: the background maintenance leaves a stripe that is being written to to its writes.</summary>
    public long Writes => Volatile.Read(ref _writes);

    public bool TryRead<TState>(ReadOnlySpan<byte> key, ulong hash, ValueReader<TState> reader, TState state)
    {
        lock (_lock)
        {
            // Reads leave resizes to writes and the background maintenance: a lookup stays a lookup.
            var matcher = new KeyMatcher(_pages, key);
            var found = _index.Find(hash, ref matcher);
            if (!found.Found)
            {
                return false;
            }

            reader(_pages.ValueAt(SlotLayout.AddressOf(*found.Slot)), state);
            return true;
        }
    }

    /// <summary>Stores the value; false, with nothing changed, when there was no memory for the new record or index.</summary>
    public bool TrySet(ReadOnlySpan<byte> key, ulong hash, ReadOnlySpan<byte> value, IStoreWriteObserver? observer, out long needed)
    {
        needed = 0;
        lock (_lock)
        {
            _index.MigrateStep(_index.WriteStep);
            var matcher = new KeyMatcher(_pages, key);
            var found = _index.Find(hash, ref matcher);
            if (found.Found)
            {
                var address = SlotLayout.AddressOf(*found.Slot);
                var record = _pages.Locate(address);
                var header = RecordPages.ReadHeader(record, out var keyLength, out var valueLength);
                if (valueLength == value.Length)
                {
                    // Same size: overwrite in place, no garbage.
                    value.CopyTo(new Span<byte>(record + header + keyLength, valueLength));
                }
                else
                {
                    // The new record first: if there is no memory for it, the old one is still there, untouched.
                    if (!_pages.TryAppend(key, value, out var moved, out needed))
                    {
                        return false;
                    }

                    *found.Slot = SlotLayout.WithAddress(*found.Slot, moved);
                    _pages.Free(address, header + keyLength + valueLength);
                }
            }
            else
            {
                if (!_index.TryEnsureRoomForInsert(out needed) || !_pages.TryAppend(key, value, out var added, out needed))
                {
                    return false;
                }

                _index.Insert(hash, added);
            }

            // Only once the store holds the write: an observer (the log) never records a write that was not applied.
            observer?.OnSet(key, value);
            Volatile.Write(ref _writes, _writes + 1);
            Compact(Math.Max(MinimumCompactionStep, 2 * RecordPages.SizeOf(key.Length, value.Length)));
            _maintenanceDue = _index.IsMigrating || _pages.CompactionWanted;
            return true;
        }
    }

    public bool Remove<TState>(ReadOnlySpan<byte> key, ulong hash, ValueReader<TState>? reader, TState state, IStoreWriteObserver? observer)
    {
        lock (_lock)
        {
            _index.MigrateStep(_index.WriteStep);
            var matcher = new KeyMatcher(_pages, key);
            var found = _index.Find(hash, ref matcher);
            if (!found.Found)
            {
                return false;
            }

            var address = SlotLayout.AddressOf(*found.Slot);
            var record = _pages.Locate(address);
            var header = RecordPages.ReadHeader(record, out var keyLength, out var valueLength);
            reader?.Invoke(new ReadOnlySpan<byte>(record + header + keyLength, valueLength), state);
            _index.Remove(found);
            _pages.Free(address, header + keyLength + valueLength);
            observer?.OnRemoved(key);
            Volatile.Write(ref _writes, _writes + 1);
            Compact(MinimumCompactionStep);
            _maintenanceDue = _index.IsMigrating || _pages.CompactionWanted;
            return true;
        }
    }

    public void ReadAll<TState>(RecordReader<TState> reader, TState state)
    {
        lock (_lock)
        {
            foreach (var slot in _index)
            {
                var record = _pages.Locate(SlotLayout.AddressOf(slot));
                var header = RecordPages.ReadHeader(record, out var keyLength, out var valueLength);
                reader(new ReadOnlySpan<byte>(record + header, keyLength), new ReadOnlySpan<byte>(record + header + keyLength, valueLength), state);
            }
        }
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
