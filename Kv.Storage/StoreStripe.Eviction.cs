using Kv.Storage.Index;
using Kv.Storage.Records;

namespace Kv.Storage;

/// <summary>
/// Eviction: when a write needs memory the store's limit does not allow, the stripe empties one of its pages, chosen
/// by the policy, and tries again. Memory comes back only when a page empties, so the store evicts a page at a time:
/// each live record of the victim is either kept (moved to the end of its queue, without asking the pool for memory,
/// RecordPages.Eviction.cs) or dropped, and the policy decides which from the slot's use count and expiry bit. This is
/// FIFO with reinsertion at page granularity: S3-FIFO's two queues under <see cref="EvictionPolicy.S3Fifo"/>, CLOCK
/// (an LRU approximation) under the LRU policies. docs/architecture.md has the reasoning.
/// </summary>
internal sealed unsafe partial class StoreStripe
{
    // S3-FIFO's small queue holds a tenth of the cache.
    private const int SmallQueuePercent = 10;

    // Pages volatile-ttl samples to find the one whose keys expire soonest.
    private const int TtlSamplePages = 3;

    private Random? _random;

    /// <summary>Keys removed to make room.</summary>
    public long EvictedKeys { get; private set; }

    // How many pages one write may evict before it is refused: enough for any record or index growth, bounded so that a
    // write under a volatile policy with too few expiring keys is refused rather than walking the whole stripe.
    private static int MaxEvictionsPerWrite(long needed) =>
        needed <= 0 ? 0 : 16 + (int)Math.Min(4096, 2 * needed / RecordPages.PageSize);

    // Empties (or shrinks) one page by the policy. False when there is nothing the policy may evict. With `force`, the
    // page's keys are dropped whatever their use (the keys a volatile policy may drop, under one): a write's last
    // attempts are not spent rotating a page of hot keys, since CLOCK-like queues can go a whole lap freeing nothing.
    private bool Evict(IStoreWriteObserver? observer, long now, bool force = false)
    {
        var isVolatile = _eviction is EvictionPolicy.VolatileLru or EvictionPolicy.VolatileRandom or EvictionPolicy.VolatileTtl;
        if (_eviction == EvictionPolicy.NoEviction || (isVolatile && _expiring == 0))
        {
            return false;
        }

        var page = PickEvictionVictim();
        if (page < 0)
        {
            return false;
        }

        var queue = _pages.QueueOf(page);
        _pages.BeginEviction(page);
        var used = _pages.UsedOf(page);
        var dedicated = _pages.IsDedicated(page);
        var kept = 0;
        var inPlace = false;
        for (var offset = 0; offset < used;)
        {
            var address = RecordPages.AddressOf(page, offset);
            var record = _pages.Locate(address);
            var header = RecordFormat.ReadHeader(record, out var keyLength, out var valueLength);
            var size = header + keyLength + valueLength;
            var key = new ReadOnlySpan<byte>(record + header, keyLength);
            var matcher = new KeyMatcher(_pages, key);
            var found = _index.Find(_hasher.Hash(key), ref matcher);
            offset += size;
            if (!found.Found || SlotLayout.AddressOf(*found.Slot) != address)
            {
                continue; // a dead record
            }

            var slot = *found.Slot;
            var expired = SlotLayout.Expires(slot) && RecordFormat.ExpiryOf(record) <= now && !_clock.Suspended;
            if (expired || !Keeps(queue, slot, force))
            {
                var last = size == _pages.LiveOf(page);
                RemoveFound(key, found, observer);
                if (expired)
                {
                    ExpiredKeys++;
                }
                else
                {
                    EvictedKeys++;
                }

                if (last)
                {
                    return true; // the page was released
                }

                continue;
            }

            // Kept: S3-FIFO promotes a used key from the small queue (its count starts again) and gives a main-queue key
            // one more round per use; CLOCK clears the reference bit.
            var destination = _eviction == EvictionPolicy.S3Fifo ? RecordQueue.Main : queue;
            var frequency = _eviction == EvictionPolicy.S3Fifo && queue == RecordQueue.Main ? Math.Max(0, SlotLayout.FrequencyOf(slot) - 1) : 0;
            slot = SlotLayout.WithFrequency(slot, frequency);
            if (!dedicated && !inPlace && _pages.CurrentHasRoom(destination, size) && _pages.TryAppendCopy(destination, record, size, out var moved))
            {
                *found.Slot = SlotLayout.WithAddress(slot, moved);
                if (_pages.Free(address, size))
                {
                    return true;
                }
            }
            else
            {
                inPlace = true;
                *found.Slot = SlotLayout.WithAddress(slot, _pages.SlideWithin(page, offset - size, kept, size));
                kept += size;
            }
        }

        if (_pages.IsHeld(page))
        {
            _pages.FinishEviction(page, kept, _eviction == EvictionPolicy.S3Fifo ? RecordQueue.Main : queue);
        }

        return true;
    }

    private bool Keeps(RecordQueue queue, ulong slot, bool force)
    {
        var used = !force && SlotLayout.FrequencyOf(slot) > 0;
        return _eviction switch
        {
            EvictionPolicy.S3Fifo or EvictionPolicy.AllKeysLru => used,
            EvictionPolicy.VolatileLru => used || !SlotLayout.Expires(slot),
            EvictionPolicy.VolatileRandom or EvictionPolicy.VolatileTtl => !SlotLayout.Expires(slot),
            _ => false, // AllKeysRandom
        };
    }

    private int PickEvictionVictim()
    {
        switch (_eviction)
        {
            case EvictionPolicy.S3Fifo:
                var small = _pages.QueueLiveBytes(RecordQueue.Small);
                var total = small + _pages.QueueLiveBytes(RecordQueue.Main);
                var first = small * 100 > total * SmallQueuePercent ? RecordQueue.Small : RecordQueue.Main;
                var page = _pages.OldestPage(first);
                return page >= 0 ? page : _pages.OldestPage(first == RecordQueue.Small ? RecordQueue.Main : RecordQueue.Small);
            case EvictionPolicy.AllKeysLru or EvictionPolicy.VolatileLru:
                return _pages.OldestPage(RecordQueue.Main);
            case EvictionPolicy.VolatileTtl:
                return SoonestExpiringPage();
            default:
                return _pages.RandomPage(_random ??= new Random());
        }
    }

    // volatile-ttl: of a few random pages, the one holding the soonest expiry.
    private int SoonestExpiringPage()
    {
        _random ??= new Random();
        var best = -1;
        var soonest = long.MaxValue;
        for (var i = 0; i < TtlSamplePages; i++)
        {
            var page = _pages.RandomPage(_random);
            if (page < 0)
            {
                return -1;
            }

            var used = _pages.UsedOf(page);
            for (var offset = 0; offset < used;)
            {
                var record = _pages.Locate(RecordPages.AddressOf(page, offset));
                var expiresAt = RecordFormat.ExpiryOf(record);
                if (expiresAt < soonest)
                {
                    soonest = expiresAt;
                    best = page;
                }

                offset += RecordFormat.SizeAt(record);
            }
        }

        return best >= 0 ? best : _pages.RandomPage(_random);
    }
}
