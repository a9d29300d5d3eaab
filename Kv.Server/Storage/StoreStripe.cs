namespace Kv.Server.Storage;

/// <summary>
/// One lock's share of the store: an open-addressing index of <c>long</c> slots over records packed into 64 KiB
/// pages. A record is <c>varint keyLength, varint valueLength, key, value</c>, so a 16-byte key with a 32-byte
/// value costs 50 bytes plus its slot, instead of several objects with headers and pointers.
/// </summary>
/// <remarks>
/// A slot holds 24 bits of the key's hash (its low bits, so the slot's home position can be recomputed without the
/// key, for growing and for backward-shift deletion) and the record's address plus one (0 means empty). The home
/// is those bits scaled to the table's length (a multiply and a shift), so the table can grow by half rather than
/// double: at a million keys that is 12 bytes of index per key instead of up to 21. Records
/// larger than a quarter page get a page of their own, freed as soon as the record dies; small dead records stay
/// in their page until garbage outweighs live data, when the stripe is compacted into fresh pages.
/// </remarks>
internal sealed class StoreStripe
{
    internal const int PageShift = 16;
    internal const int PageSize = 1 << PageShift;
    private const int DedicatedThreshold = PageSize / 4;
    private const int TagShift = 40;
    private const long AddressMask = (1L << TagShift) - 1;
    private const int TagMask = (1 << 24) - 1;
    private const int MaxSlots = 1 << 24;
    private const int MaxPages = (1 << 24) - 2;
    private const int InitialSlots = 16;

    private readonly Lock _lock = new();
    private long[] _slots = new long[InitialSlots];
    private int _count;
    private byte[]?[] _pages = new byte[4][];
    private int _pageCount;
    private int[] _freePages = new int[4];
    private int _freePageCount;
    private int _currentPage = -1;
    private int _writeOffset;
    private long _liveBytes;
    private long _usedBytes;

    public int Count => Volatile.Read(ref _count);

    /// <summary>Bytes of live records (length prefixes, keys, values); a snapshot read without the lock.</summary>
    public long LiveBytes => Volatile.Read(ref _liveBytes);

    /// <summary>Bytes held in pages (live records, dead records and page tails) plus the index.</summary>
    public long AllocatedBytes
    {
        get
        {
            lock (_lock)
            {
                long pages = 0;
                for (var i = 0; i < _pageCount; i++)
                {
                    pages += _pages[i]?.Length ?? 0;
                }

                return pages + ((long)_slots.Length * sizeof(long));
            }
        }
    }

    public bool TryRead<TState>(ReadOnlySpan<byte> key, ulong hash, ValueReader<TState> reader, TState state)
    {
        lock (_lock)
        {
            var index = Find(key, hash);
            if (index < 0)
            {
                return false;
            }

            reader(ValueOf(_slots[index]), state);
            return true;
        }
    }

    public void Set(ReadOnlySpan<byte> key, ulong hash, ReadOnlySpan<byte> value, IStoreWriteObserver? observer)
    {
        lock (_lock)
        {
            // Told first, under the lock: the next write to this key cannot reach the observer before this one.
            observer?.OnSet(key, value);
            var index = Find(key, hash);
            if (index >= 0)
            {
                var slot = _slots[index];
                var record = RecordOf(slot, out var keyLength, out var valueLength, out var headerLength);
                if (valueLength == value.Length)
                {
                    // Same size: overwrite in place, no garbage.
                    value.CopyTo(record.Slice(headerLength + keyLength));
                    return;
                }

                Free(slot);
                _slots[index] = (slot & ~AddressMask) | (Append(key, value) + 1);
            }
            else
            {
                if ((_count + 1) * 5L > _slots.Length * 4L)
                {
                    Grow();
                }

                Insert(hash, Append(key, value));
                _count++;
            }

            CompactIfWasteful();
        }
    }

    public bool Remove<TState>(ReadOnlySpan<byte> key, ulong hash, ValueReader<TState>? reader, TState state, IStoreWriteObserver? observer)
    {
        lock (_lock)
        {
            var index = Find(key, hash);
            if (index < 0)
            {
                return false;
            }

            var slot = _slots[index];
            reader?.Invoke(ValueOf(slot), state);
            observer?.OnRemoved(key);
            Free(slot);
            DeleteAt(index);
            _count--;
            CompactIfWasteful();
            return true;
        }
    }

    public void ReadAll<TState>(RecordReader<TState> reader, TState state)
    {
        lock (_lock)
        {
            foreach (var slot in _slots)
            {
                if (slot != 0)
                {
                    var record = RecordOf(slot, out var keyLength, out var valueLength, out var headerLength);
                    reader(record.Slice(headerLength, keyLength), record.Slice(headerLength + keyLength, valueLength), state);
                }
            }
        }
    }

    private int Find(ReadOnlySpan<byte> key, ulong hash)
    {
        var slots = _slots;
        var tag = (long)(hash & TagMask);
        var index = Home(tag, slots.Length);
        while (true)
        {
            var slot = slots[index];
            if (slot == 0)
            {
                return -1;
            }

            if ((slot >>> TagShift) == tag && KeyOf(slot).SequenceEqual(key))
            {
                return index;
            }

            index = Next(index, slots.Length);
        }
    }

    private void Insert(ulong hash, long address) => Place(_slots, ((long)(hash & TagMask) << TagShift) | (address + 1));

    private static void Place(long[] slots, long slot)
    {
        var index = Home(slot >>> TagShift, slots.Length);
        while (slots[index] != 0)
        {
            index = Next(index, slots.Length);
        }

        slots[index] = slot;
    }

    // The 24 hash bits scaled to the table: the same spread as a mask, for any table length.
    private static int Home(long tag, int length) => (int)((tag * length) >>> 24);

    private static int Next(int index, int length) => ++index == length ? 0 : index;

    private void Grow()
    {
        if (_slots.Length >= MaxSlots)
        {
            throw new InvalidOperationException("The store's index is full.");
        }

        // Not pinned: an outgrown index left among the pinned pages would be a hole that no compaction can close; on
        // the large object heap the collection that ReleasedMemory asks for compacts it away.
        var grown = new long[Math.Min(MaxSlots, _slots.Length + (_slots.Length / 2))];
        foreach (var slot in _slots)
        {
            if (slot != 0)
            {
                Place(grown, slot);
            }
        }

        var released = (long)_slots.Length * sizeof(long);
        _slots = grown;
        ReleasedMemory.Report(released, index: true);
    }

    // Backward-shift deletion keeps probe chains unbroken without tombstones.
    private void DeleteAt(int hole)
    {
        var slots = _slots;
        var next = hole;
        while (true)
        {
            next = Next(next, slots.Length);
            var slot = slots[next];
            if (slot == 0)
            {
                break;
            }

            var home = Home(slot >>> TagShift, slots.Length);
            var staysPut = hole <= next ? hole < home && home <= next : hole < home || home <= next;
            if (!staysPut)
            {
                slots[hole] = slot;
                hole = next;
            }
        }

        slots[hole] = 0;
    }

    private long Append(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        var size = RecordSize(key.Length, value.Length);
        int page;
        int offset;
        if (size > DedicatedThreshold)
        {
            page = AddPage(GC.AllocateUninitializedArray<byte>(size, pinned: true));
            offset = 0;
        }
        else
        {
            if (_currentPage < 0 || _writeOffset + size > PageSize)
            {
                if (_currentPage >= 0)
                {
                    _usedBytes += PageSize - _writeOffset; // the tail left behind is waste
                }

                _currentPage = AddPage(GC.AllocateUninitializedArray<byte>(PageSize, pinned: true));
                _writeOffset = 0;
            }

            page = _currentPage;
            offset = _writeOffset;
            _writeOffset += size;
        }

        WriteRecord(_pages[page]!.AsSpan(offset, size), key, value);
        _liveBytes += size;
        _usedBytes += size;
        return ((long)page << PageShift) | (uint)offset;
    }

    private static void WriteRecord(Span<byte> destination, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        var position = Varint.Write(destination, (uint)key.Length);
        position += Varint.Write(destination.Slice(position), (uint)value.Length);
        key.CopyTo(destination.Slice(position));
        value.CopyTo(destination.Slice(position + key.Length));
    }

    private void Free(long slot)
    {
        var address = (slot & AddressMask) - 1;
        RecordOf(slot, out var keyLength, out var valueLength, out var headerLength);
        var size = headerLength + keyLength + valueLength;
        _liveBytes -= size;
        if (size > DedicatedThreshold)
        {
            _usedBytes -= size;
            ReleasePage((int)(address >> PageShift));
        }

        // A dead small record stays in its page, counted as used, until compaction.
    }

    private int AddPage(byte[] page)
    {
        int index;
        if (_freePageCount > 0)
        {
            index = _freePages[--_freePageCount];
        }
        else
        {
            if (_pageCount >= MaxPages)
            {
                throw new InvalidOperationException("The store's page table is full.");
            }

            if (_pageCount == _pages.Length)
            {
                Array.Resize(ref _pages, _pages.Length * 2);
            }

            index = _pageCount++;
        }

        _pages[index] = page;
        return index;
    }

    private void ReleasePage(int index)
    {
        _pages[index] = null;
        if (_freePageCount == _freePages.Length)
        {
            Array.Resize(ref _freePages, _freePages.Length * 2);
        }

        _freePages[_freePageCount++] = index;
    }

    private void CompactIfWasteful()
    {
        var garbage = _usedBytes - _liveBytes;
        if (garbage > 4L * PageSize && garbage > _liveBytes)
        {
            Compact();
        }
    }

    // Copies every live small record into fresh pages and moves dedicated pages over as they are.
    private void Compact()
    {
        var oldPages = _pages;
        var oldPageCount = _pageCount;
        _pages = new byte[Math.Max(4, oldPageCount)][];
        _pageCount = 0;
        _freePageCount = 0;
        _currentPage = -1;
        _writeOffset = 0;
        _liveBytes = 0;
        _usedBytes = 0;

        var slots = _slots;
        for (var i = 0; i < slots.Length; i++)
        {
            var slot = slots[i];
            if (slot == 0)
            {
                continue;
            }

            var address = (slot & AddressMask) - 1;
            var page = oldPages[(int)(address >> PageShift)]!;
            var record = page.AsSpan((int)(address & (PageSize - 1)));
            var keyLength = (int)Varint.Read(record, out var first);
            var valueLength = (int)Varint.Read(record.Slice(first), out var second);
            var size = first + second + keyLength + valueLength;
            long newAddress;
            if (size > DedicatedThreshold)
            {
                newAddress = (long)AddPage(page) << PageShift;
                _liveBytes += size;
                _usedBytes += size;
            }
            else
            {
                var headerLength = first + second;
                newAddress = Append(record.Slice(headerLength, keyLength), record.Slice(headerLength + keyLength, valueLength));
            }

            slots[i] = (slot & ~AddressMask) | (newAddress + 1);
        }

        long released = 0;
        for (var i = 0; i < oldPageCount; i++)
        {
            released += oldPages[i]?.Length ?? 0;
        }

        Array.Clear(oldPages, 0, oldPageCount);
        ReleasedMemory.Report(released);
    }

    private Span<byte> RecordOf(long slot, out int keyLength, out int valueLength, out int headerLength)
    {
        var address = (slot & AddressMask) - 1;
        var record = _pages[(int)(address >> PageShift)].AsSpan((int)(address & (PageSize - 1)));
        keyLength = (int)Varint.Read(record, out var first);
        valueLength = (int)Varint.Read(record.Slice(first), out var second);
        headerLength = first + second;
        return record;
    }

    private ReadOnlySpan<byte> KeyOf(long slot)
    {
        var record = RecordOf(slot, out var keyLength, out _, out var headerLength);
        return record.Slice(headerLength, keyLength);
    }

    private ReadOnlySpan<byte> ValueOf(long slot)
    {
        var record = RecordOf(slot, out var keyLength, out var valueLength, out var headerLength);
        return record.Slice(headerLength + keyLength, valueLength);
    }

    private static int RecordSize(int keyLength, int valueLength) =>
        checked(Varint.Size((uint)keyLength) + Varint.Size((uint)valueLength) + keyLength + valueLength);
}
