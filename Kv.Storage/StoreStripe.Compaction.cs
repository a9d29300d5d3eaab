using Kv.Storage.Index;
using Kv.Storage.Records;

namespace Kv.Storage;

/// <summary>Compaction and background maintenance: both in bounded steps under the stripe's lock.</summary>
internal sealed unsafe partial class StoreStripe
{
    /// <summary>Bytes of victim pages walked by compaction so far (for tests: how much one operation paid).</summary>
    internal long CompactionBytesWalked { get; private set; }

    /// <summary>The table inserts go to (for tests).</summary>
    internal int IndexLength
    {
        get
        {
            lock (_lock)
            {
                return _index.Length;
            }
        }
    }

    /// <summary>True while the index is being resized (for tests).</summary>
    internal bool IsMigrating
    {
        get
        {
            lock (_lock)
            {
                return _index.IsMigrating;
            }
        }
    }

    /// <summary>Slots moved by resizes so far (for tests).</summary>
    internal long SlotsMigrated
    {
        get
        {
            lock (_lock)
            {
                return _index.SlotsMigrated;
            }
        }
    }

    /// <summary>Pages and regions the stripe holds (for tests).</summary>
    internal int PagesInUse
    {
        get
        {
            lock (_lock)
            {
                return _pages.PagesInUse;
            }
        }
    }

    /// <summary>Bytes of dead records still in pages (for tests).</summary>
    internal long GarbageBytes
    {
        get
        {
            lock (_lock)
            {
                return _pages.GarbageBytes;
            }
        }
    }

    /// <summary>
    /// One bounded step of whatever resize or compaction is under way, for the background maintenance: at most
    /// <paramref name="slots"/> index slots and <paramref name="bytes"/> bytes of victim pages.
    /// </summary>
    /// <returns>True when work remains.</returns>
    public bool Maintain(int slots, int bytes)
    {
        lock (_lock)
        {
            _index.MigrateStep(slots);
            Compact(bytes);
            var due = _index.IsMigrating || _pages.CompactionWanted;
            _maintenanceDue = due;
            return due;
        }
    }

    // Empties mostly-dead pages, walking at most about `budget` bytes of them: each live record found is moved to the
    // current page (its slot updated), each dead one skipped; a page is returned to the pool when its last live record
    // leaves. Walking a page at most half live frees at least as much as it copies, and every write walks at least twice
    // its own record's size, so compaction reclaims garbage at least as fast as writes make it. Out of memory for a
    // moved record, it stops: nothing was changed for that record.
    private void Compact(int budget)
    {
        if (!_pages.CompactionWanted)
        {
            return;
        }

        var walked = 0;
        while (walked < budget && _pages.PickVictim())
        {
            var address = RecordPages.AddressOf(_pages.Victim, _pages.VictimOffset);
            var record = _pages.Locate(address);
            var header = RecordFormat.ReadHeader(record, out var keyLength, out var valueLength);
            var size = header + keyLength + valueLength;
            var key = new ReadOnlySpan<byte>(record + header, keyLength);
            var matcher = new KeyMatcher(_pages, key);
            var found = _index.Find(_hasher.Hash(key), ref matcher);
            if (found.Found && SlotLayout.AddressOf(*found.Slot) == address)
            {
                if (!_pages.TryAppendCopy(_pages.QueueOf(_pages.Victim), record, size, out var moved))
                {
                    return;
                }

                *found.Slot = SlotLayout.WithAddress(*found.Slot, moved);
                _pages.Free(address, size);
            }

            _pages.AdvanceVictim(size);
            walked += size;
        }

        CompactionBytesWalked += walked;
    }
}
