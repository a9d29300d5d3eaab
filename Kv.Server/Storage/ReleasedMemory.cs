namespace Kv.Server.Storage;

/// <summary>
/// Tells the garbage collector when the store has let go of a lot of memory. The store allocates almost nothing
/// per request, so collections are rare, and the index arrays it outgrows and the pages it compacts away (pinned
/// objects, which only a full collection frees) would stay resident until the next one: measured at 8 bytes a key
/// after loading a million keys. Once enough has been released, a full blocking collection is
/// made, at most once a second so that a workload that keeps compacting never turns into a stream of collections; a
/// release that comes too soon after the last collection is collected once the second is over.
/// </summary>
/// <remarks>
/// Blocking, explicitly. It was requested with <c>blocking: false, compacting: true</c>, which is the same blocking
/// compaction where background collection is off (as in Kv.Server), but where it is on (a test host, an application
/// that embeds the store) that pair sometimes kept the calling thread spinning inside <see cref="GC.Collect()"/> for
/// minutes with every other thread parked: seen in 6 of 8 runs of Kv.Server.Tests, in none of the runs since.
/// </remarks>
internal static class ReleasedMemory
{
    /// <summary>Bytes released since the last requested collection that make the next one worth its cost.</summary>
    internal const long CollectionThreshold = 4L * 1024 * 1024;

    private const long MinimumIntervalMilliseconds = 1000;

    private static readonly Timer Deferred = new(static _ => CollectDeferred(), null, Timeout.Infinite, Timeout.Infinite);
    private static long _released;
    private static long _lastCollection = Environment.TickCount64 - MinimumIntervalMilliseconds;
    private static int _deferredPending;
    private static int _indexReleased;
    private static long _collections;

    /// <summary>How many collections this class has made (for tests: the runtime's own count includes any).</summary>
    internal static long Collections => Interlocked.Read(ref _collections);

    /// <summary>True when no collection is due or deferred and the last was over a second ago (for tests).</summary>
    internal static bool IsSettled =>
        Volatile.Read(ref _deferredPending) == 0 && Environment.TickCount64 - Volatile.Read(ref _lastCollection) >= MinimumIntervalMilliseconds;

    /// <summary>Counts <paramref name="bytes"/> let go of, and asks for a collection once they are worth one.</summary>
    /// <param name="bytes">How much was released.</param>
    /// <param name="index">
    /// An outgrown index array (on the large object heap) was among them: the collection then compacts that heap
    /// too. Only then: it copies every live index, a pause that grows with the store, which index growth (at most
    /// once per 1.5x growth of a stripe) is rare enough to pay for and page compaction is not.
    /// </param>
    public static void Report(long bytes, bool index = false)
    {
        if (index)
        {
            Volatile.Write(ref _indexReleased, 1);
        }

        if (Interlocked.Add(ref _released, bytes) >= CollectionThreshold)
        {
            CollectOrDefer();
        }
    }

    private static void CollectDeferred()
    {
        Volatile.Write(ref _deferredPending, 0);
        if (Volatile.Read(ref _released) >= CollectionThreshold)
        {
            CollectOrDefer();
        }
    }

    private static void CollectOrDefer()
    {
        var now = Environment.TickCount64;
        var last = Volatile.Read(ref _lastCollection);
        var wait = MinimumIntervalMilliseconds - (now - last);
        if (wait > 0)
        {
            // Too soon after the last one: collect once the interval is over, or what was released now stays resident
            // when nothing more is released after it (stripes that grow together, at the end of a load, release
            // within the same second).
            if (Interlocked.Exchange(ref _deferredPending, 1) == 0)
            {
                Deferred.Change(wait, Timeout.Infinite);
            }

            return;
        }

        if (Interlocked.CompareExchange(ref _lastCollection, now, last) == last)
        {
            Collect();
        }
    }

    private static void Collect()
    {
        Interlocked.Exchange(ref _released, 0);
        if (Interlocked.Exchange(ref _indexReleased, 0) != 0)
        {
            System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        }

        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        Interlocked.Increment(ref _collections);
    }
}
