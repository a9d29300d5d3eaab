using Kv.Storage.Memory;

namespace Kv.Storage.Records;

/// <summary>
/// One stripe's records in native pages. A record is laid out as <see cref="RecordFormat"/> says, so a 16-byte key with
/// a 32-byte value and no expiry takes 50 bytes. Small records are appended to the current 64 KiB page; a record
/// larger than a quarter page gets a page of its own (or, past a page, a region of its own), freed the moment it dies.
/// A page whose records are all dead is returned to the pool at once; pages that are mostly dead are emptied by
/// compaction, one bounded step at a time (<see cref="StoreStripe"/>), which moves their live records to the current
/// page. Not thread-safe: the stripe's lock guards it.
/// </summary>
/// <remarks>
/// An address is the page's index in this stripe (21 bits) and the record's offset in it (16 bits). Page indexes are
/// reused once their page is returned; addresses are valid only while their record lives. Each page belongs to one of
/// two queues (<see cref="RecordQueue"/>) and carries the order it joined it in, so that eviction can take a queue's
/// oldest page (RecordPages.Eviction.cs).
/// </remarks>
internal sealed unsafe partial class RecordPages
{
    /// <summary>The size of a record page.</summary>
    public const int PageSize = NativeMemoryPool.PageSize;

    /// <summary>Records larger than this get a page or region of their own.</summary>
    public const int DedicatedThreshold = PageSize / 4;

    /// <summary>The most pages a stripe may hold: the largest page index a slot can carry, less the tombstone's.</summary>
    public const int MaxPages = (1 << 21) - 2;

    private const int PageShift = 16;
    private const int OffsetMask = PageSize - 1;

    // How many pages one search for a compaction victim looks at, so that a search is bounded too.
    private const int VictimSearchWindow = 64;

    private readonly NativeMemoryPool _pool;
    private PageInfo[] _pages = new PageInfo[4];
    private int _pageCount;
    private int _pagesInUse;
    private int[] _freeIndexes = new int[4];
    private int _freeIndexCount;
    private readonly int[] _current = [-1, -1];
    private readonly long[] _queueLive = new long[2];
    private long _sequence;
    private long _liveBytes;
    private long _usedBytes;
    private bool _compacting;
    private int _victim = -1;
    private int _victimOffset;
    private int _victimSearch;

    public RecordPages(NativeMemoryPool pool) => _pool = pool;

    /// <summary>Bytes of live records (headers, keys, values); a snapshot, readable without the lock.</summary>
    public long LiveBytes => Volatile.Read(ref _liveBytes);

    /// <summary>Bytes of dead records still held in pages.</summary>
    public long GarbageBytes => _usedBytes - _liveBytes;

    /// <summary>Pages and regions held.</summary>
    public int PagesInUse => _pagesInUse;

    /// <summary>
    /// True while enough of the stripe's page memory is dead records that compaction should run: it starts once garbage
    /// outweighs live data (and is more than four pages) and goes on until garbage is down to half of the live data.
    /// </summary>
    public bool CompactionWanted
    {
        get
        {
            var garbage = _usedBytes - _liveBytes;
            if (_compacting)
            {
                _compacting = garbage * 2 > _liveBytes && garbage > 2 * PageSize;
            }
            else
            {
                _compacting = garbage > _liveBytes && garbage > 4 * PageSize;
            }

            return _compacting;
        }
    }

    /// <summary>The page being emptied by compaction and the offset of its next record, or -1.</summary>
    public int Victim => _victim;

    public int VictimOffset => _victimOffset;

    /// <summary>The bytes written in the victim page: where its records end.</summary>
    public int VictimUsed => _pages[_victim].Used;

    public static long AddressOf(int page, int offset) => ((long)page << PageShift) | (uint)offset;

    public static int PageOf(long address) => (int)(address >> PageShift);

    public static int OffsetOf(long address) => (int)(address & OffsetMask);

    public byte* Locate(long address) => _pages[(int)(address >> PageShift)].Start + (address & OffsetMask);

    /// <summary>Bytes of live records in a queue.</summary>
    public long QueueLiveBytes(RecordQueue queue) => _queueLive[(int)queue];

    public ReadOnlySpan<byte> KeyAt(long address)
    {
        var record = Locate(address);
        var header = RecordFormat.ReadHeader(record, out var keyLength, out _);
        return new ReadOnlySpan<byte>(record + header, keyLength);
    }

    public ReadOnlySpan<byte> ValueAt(long address)
    {
        var record = Locate(address);
        var header = RecordFormat.ReadHeader(record, out var keyLength, out var valueLength);
        return new ReadOnlySpan<byte>(record + header + keyLength, valueLength);
    }

    /// <summary>
    /// Writes a new record into <paramref name="queue"/>'s current page; false, with nothing changed, when there is no
    /// memory for it (the bytes that could not be had in <paramref name="needed"/>). Refusing costs no exception: a
    /// store at its limit refuses every write that needs a page, and those must stay cheap.
    /// </summary>
    public bool TryAppend(RecordQueue queue, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, long expiresAt, out long address, out long needed, bool pastLimit = false)
    {
        var size = RecordFormat.SizeOf(key.Length, value.Length, expiresAt != RecordFormat.NoExpiry);
        if (!TryReserve(queue, size, out address, out needed, pastLimit))
        {
            return false;
        }

        RecordFormat.Write(Locate(address), key, value, expiresAt);
        return true;
    }

    /// <summary>Copies a whole record (as it is in a page) into <paramref name="queue"/>'s current page.</summary>
    public bool TryAppendCopy(RecordQueue queue, byte* record, int size, out long address)
    {
        if (!TryReserve(queue, size, out address, out _, pastLimit: false))
        {
            return false;
        }

        new ReadOnlySpan<byte>(record, size).CopyTo(new Span<byte>(Locate(address), size));
        return true;
    }

    /// <summary>Marks a record dead; its page goes back to the pool as soon as nothing in it lives.</summary>
    /// <returns>True when that released the page.</returns>
    public bool Free(long address, int size)
    {
        var page = (int)(address >> PageShift);
        ref var info = ref _pages[page];
        info.Live -= size;
        _queueLive[info.Queue] -= size;
        Volatile.Write(ref _liveBytes, _liveBytes - size);
        if (info.Live == 0)
        {
            // The current page too: a stripe that empties keeps no page.
            Release(page);
            return true;
        }

        return false;
    }

    private bool TryReserve(RecordQueue queue, int size, out long address, out long needed, bool pastLimit)
    {
        int page;
        int offset;
        address = 0;
        needed = 0;
        if (size > DedicatedThreshold)
        {
            var ownPage = size <= PageSize;
            var start = ownPage ? _pool.RentPage(pastLimit) : _pool.Allocate((nuint)size, pastLimit);
            if (start is null)
            {
                needed = ownPage ? PageSize : size;
                return false;
            }

            page = AddPage(start, ownPage ? PageSize : size, queue);
            _pages[page].Dedicated = true;
            offset = 0;
        }
        else
        {
            ref var current = ref _current[(int)queue];
            if (current < 0 || _pages[current].Used + size > PageSize)
            {
                var start = _pool.RentPage(pastLimit);
                if (start is null)
                {
                    needed = PageSize;
                    return false;
                }

                current = AddPage(start, PageSize, queue);
            }

            page = current;
            offset = _pages[page].Used;
        }

        ref var info = ref _pages[page];
        info.Used += size;
        info.Live += size;
        _queueLive[info.Queue] += size;
        _usedBytes += size;
        Volatile.Write(ref _liveBytes, _liveBytes + size);
        address = AddressOf(page, offset);
        return true;
    }

    /// <summary>
    /// Picks a page to empty: not the current one, and at most half live, so that emptying it frees at least as much as
    /// it copies. Looks at a bounded number of pages per call.
    /// </summary>
    /// <returns>True when <see cref="Victim"/> is set.</returns>
    public bool PickVictim()
    {
        if (_victim >= 0)
        {
            return true;
        }

        for (var looked = 0; looked < Math.Min(VictimSearchWindow, _pageCount); looked++)
        {
            if (++_victimSearch >= _pageCount)
            {
                _victimSearch = 0;
            }

            ref var info = ref _pages[_victimSearch];
            if (info.Start is not null && !IsCurrent(_victimSearch) && info.Capacity == PageSize && info.Live * 2L <= info.Used)
            {
                _victim = _victimSearch;
                _victimOffset = 0;
                return true;
            }
        }

        return false;
    }

    /// <summary>Moves the victim's cursor past a record; the victim is done once the cursor reaches its end.</summary>
    public void AdvanceVictim(int size)
    {
        _victimOffset += size;
        if (_victim >= 0 && _victimOffset >= _pages[_victim].Used)
        {
            // Every live record was moved, so freeing the last one released the page; or it held none to begin with.
            if (_pages[_victim].Live == 0)
            {
                Release(_victim);
            }

            _victim = -1;
        }
    }

    private int AddPage(byte* start, int capacity, RecordQueue queue)
    {
        int index;
        if (_freeIndexCount > 0)
        {
            index = _freeIndexes[--_freeIndexCount];
        }
        else
        {
            if (_pageCount >= MaxPages)
            {
                ReturnMemory(start, capacity);
                throw new StoreOutOfMemoryException($"A stripe of the store holds its most pages ({MaxPages}).");
            }

            if (_pageCount == _pages.Length)
            {
                Array.Resize(ref _pages, _pages.Length * 2);
            }

            index = _pageCount++;
        }

        _pages[index] = new PageInfo { Start = start, Capacity = capacity, Queue = (byte)queue, Sequence = ++_sequence };
        _pagesInUse++;
        return index;
    }

    private void Release(int page)
    {
        ref var info = ref _pages[page];
        _usedBytes -= info.Used;
        ReturnMemory(info.Start, info.Capacity);
        info = default;
        _pagesInUse--;
        if (_freeIndexCount == _freeIndexes.Length)
        {
            Array.Resize(ref _freeIndexes, _freeIndexes.Length * 2);
        }

        _freeIndexes[_freeIndexCount++] = page;
        if (page == _victim)
        {
            _victim = -1;
        }

        for (var queue = 0; queue < _current.Length; queue++)
        {
            if (_current[queue] == page)
            {
                _current[queue] = -1;
            }
        }
    }

    private bool IsCurrent(int page) => _current[0] == page || _current[1] == page;

    private void ReturnMemory(byte* start, int capacity)
    {
        if (capacity == PageSize)
        {
            _pool.ReturnPage(start);
        }
        else
        {
            _pool.Free(start);
        }
    }

    private struct PageInfo
    {
        /// <summary>The page's memory; null for an unused index.</summary>
        public byte* Start;

        /// <summary>Bytes written: where the next record goes (for a record of its own, that record's size).</summary>
        public int Used;

        /// <summary>Bytes of live records.</summary>
        public int Live;

        /// <summary><see cref="PageSize"/> for a pool page; a region's size for a record larger than a page.</summary>
        public int Capacity;

        /// <summary>True for a page or region that holds one large record.</summary>
        public bool Dedicated;

        /// <summary>The <see cref="RecordQueue"/> the page belongs to.</summary>
        public byte Queue;

        /// <summary>When the page joined its queue: eviction takes the lowest.</summary>
        public long Sequence;
    }
}
