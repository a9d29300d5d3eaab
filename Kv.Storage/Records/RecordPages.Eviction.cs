namespace Kv.Storage.Records;

/// <summary>
/// What eviction needs from the pages: the oldest page of a queue (or a random one), and a way to empty a page that
/// moves the records it keeps without asking the pool for memory, since eviction runs exactly when the pool has none.
/// A victim's kept records go to the end of the destination queue's current page while it has room, and the rest
/// slide down inside the victim, which then becomes that queue's current page: so eviction never needs a spare page,
/// and the pages it leaves behind are full.
/// </summary>
internal sealed unsafe partial class RecordPages
{
    /// <summary>The page of <paramref name="queue"/> that joined it first, or -1 when the queue has none.</summary>
    public int OldestPage(RecordQueue queue)
    {
        var oldest = -1;
        var sequence = long.MaxValue;
        for (var i = 0; i < _pageCount; i++)
        {
            ref var info = ref _pages[i];
            if (info.Start is not null && info.Queue == (byte)queue && info.Sequence < sequence)
            {
                oldest = i;
                sequence = info.Sequence;
            }
        }

        return oldest;
    }

    /// <summary>A page picked at random, or -1 when the stripe has none.</summary>
    public int RandomPage(Random random)
    {
        if (_pagesInUse == 0)
        {
            return -1;
        }

        while (true)
        {
            var page = random.Next(_pageCount);
            if (_pages[page].Start is not null)
            {
                return page;
            }
        }
    }

    public bool IsDedicated(int page) => _pages[page].Dedicated;

    public RecordQueue QueueOf(int page) => (RecordQueue)_pages[page].Queue;

    public int UsedOf(int page) => _pages[page].Used;

    public int LiveOf(int page) => _pages[page].Live;

    /// <summary>True while the page is held (it has live records).</summary>
    public bool IsHeld(int page) => _pages[page].Start is not null;

    /// <summary>
    /// Readies a page to be emptied by eviction: it stops being a current page (new records go elsewhere) and stops
    /// being compaction's victim (its records are about to move).
    /// </summary>
    public void BeginEviction(int page)
    {
        for (var queue = 0; queue < _current.Length; queue++)
        {
            if (_current[queue] == page)
            {
                _current[queue] = -1;
            }
        }

        if (_victim == page)
        {
            _victim = -1;
        }
    }

    /// <summary>True when <paramref name="queue"/>'s current page has room for a record of this size (no page is rented).</summary>
    public bool CurrentHasRoom(RecordQueue queue, int size)
    {
        var current = _current[(int)queue];
        return current >= 0 && size <= DedicatedThreshold && _pages[current].Used + size <= PageSize;
    }

    /// <summary>Moves a record of the page being emptied down to <paramref name="offset"/> in the same page.</summary>
    /// <returns>The record's new address.</returns>
    public long SlideWithin(int page, int from, int offset, int size)
    {
        var start = _pages[page].Start;
        if (from != offset)
        {
            new ReadOnlySpan<byte>(start + from, size).CopyTo(new Span<byte>(start + offset, size));
        }

        return AddressOf(page, offset);
    }

    /// <summary>
    /// Ends the eviction of a page that still holds records (those slid to its start, <paramref name="used"/> bytes):
    /// it joins the end of <paramref name="queue"/>, and becomes its current page unless it holds one large record.
    /// </summary>
    public void FinishEviction(int page, int used, RecordQueue queue)
    {
        ref var info = ref _pages[page];
        _usedBytes -= info.Used - used;
        info.Used = used;
        _queueLive[info.Queue] -= info.Live;
        _queueLive[(int)queue] += info.Live;
        info.Queue = (byte)queue;
        info.Sequence = ++_sequence;
        if (!info.Dedicated)
        {
            _current[(int)queue] = page;
        }
    }
}
