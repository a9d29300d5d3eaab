namespace Kv.Server.Storage;

/// <summary>
/// Tells the garbage collector when the store has let go of a lot of memory. The store allocates almost nothing
/// per request, so collections are rare, and the index arrays it outgrows and the pages it compacts away would stay
/// resident until the next one: measured at 8 bytes a key after loading a million keys (82 instead of 74). Once
/// enough has been released, a collection is asked for, at most once a second so that a workload that keeps
/// compacting never turns into a stream of collections.
/// </summary>
internal static class ReleasedMemory
{
    /// <summary>Bytes released since the last requested collection that make the next one worth its cost.</summary>
    internal const long CollectionThreshold = 4L * 1024 * 1024;

    private const long MinimumIntervalMilliseconds = 1000;

    private static long _released;
    private static long _lastCollection = Environment.TickCount64 - MinimumIntervalMilliseconds;

    public static void Report(long bytes)
    {
        if (Interlocked.Add(ref _released, bytes) < CollectionThreshold)
        {
            return;
        }

        var now = Environment.TickCount64;
        var last = Volatile.Read(ref _lastCollection);
        if (now - last < MinimumIntervalMilliseconds || Interlocked.CompareExchange(ref _lastCollection, now, last) != last)
        {
            return;
        }

        Interlocked.Exchange(ref _released, 0);
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: false, compacting: true);
    }
}
