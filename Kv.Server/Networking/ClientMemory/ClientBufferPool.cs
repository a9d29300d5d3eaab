using System.Buffers;

namespace Kv.Server.Networking.ClientMemory;

/// <summary>
/// Where the connections' receive and send buffers come from: the one budget for all client buffers together
/// (<see cref="Hosting.KvServerOptions.MaxClientMemory"/>, as Redis's <c>maxmemory-clients</c>), and large buffers given back.
/// <list type="bullet">
/// <item>Arrays up to what a connection keeps while idle (64 KiB) are not counted: one or two per connection, bounded
/// by the connection limit, so that idle connections never use up the budget.</item>
/// <item>Larger ones are counted against the budget; one that would take it over is refused with
/// <see cref="InsufficientMemoryException"/> (an <see cref="OutOfMemoryException"/>), which the connection answers
/// with ERROR OutOfMemory instead of growing.</item>
/// <item>Arrays over <see cref="LargeArrayBytes"/> are not pooled: allocated when asked for and dropped when returned,
/// so that what a burst of large frames or values took goes back to the operating system once the connections that
/// held it are done with it (the shared pool would keep them for reuse for good): a collection runs once 64 MiB of them
/// were dropped, at most once a second, so up to 64 MiB may wait for the next.</item>
/// </list>
/// Thread-safe: connections on every loop rent and return.
/// </summary>
internal sealed class ClientBufferPool : ArrayPool<byte>, IDisposable
{
    /// <summary>Arrays larger than this are allocated and dropped, not pooled.</summary>
    public const int LargeArrayBytes = 1024 * 1024;

    // Large arrays dropped since the last collection: past this, a background collection gives them back.
    private const long CollectAfterBytes = 64L * 1024 * 1024;
    private const long CollectIntervalMilliseconds = 1000;

    private readonly ArrayPool<byte> _shared = Shared;
    private readonly int _uncountedBytes;
    private readonly long _budget;
    private readonly Timer _collector;
    private long _used;
    private long _dropped;
    private long _lastCollect;
    private long _refusals;
    private int _collectionScheduled;

    /// <param name="uncountedBytes">Arrays up to this size are not counted (what a connection keeps while idle).</param>
    /// <param name="budget">The most bytes of larger arrays rented at once.</param>
    public ClientBufferPool(int uncountedBytes, long budget)
    {
        _uncountedBytes = uncountedBytes;
        _budget = budget;
        _collector = new Timer(static state => ((ClientBufferPool)state!).Collect(), this, Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>Bytes of counted arrays rented now.</summary>
    public long Used => Interlocked.Read(ref _used);

    /// <summary>The budget.</summary>
    public long Budget => _budget;

    /// <summary>Arrays refused for the budget since the start.</summary>
    public long Refusals => Interlocked.Read(ref _refusals);

    /// <inheritdoc />
    public override byte[] Rent(int minimumLength)
    {
        if (minimumLength <= _uncountedBytes)
        {
            return _shared.Rent(minimumLength);
        }

        // Counted before it is allocated (for the rounded size the shared pool gives), so that connections racing for
        // the last of the budget cannot all get it.
        var size = minimumLength > LargeArrayBytes ? minimumLength : (int)Math.Min(Array.MaxLength, RoundUpToPowerOfTwo(minimumLength));
        if (Interlocked.Add(ref _used, size) > _budget)
        {
            Interlocked.Add(ref _used, -size);
            Interlocked.Increment(ref _refusals);
            throw new InsufficientMemoryException(
                $"the client memory budget is exhausted (--max-client-memory {_budget} bytes, {Used} in use): a buffer of {minimumLength} bytes cannot be had");
        }

        try
        {
            return size > LargeArrayBytes ? GC.AllocateUninitializedArray<byte>(size) : _shared.Rent(size);
        }
        catch
        {
            Interlocked.Add(ref _used, -size);
            throw;
        }
    }

    /// <inheritdoc />
    public override void Return(byte[] array, bool clearArray = false)
    {
        if (array.Length <= _uncountedBytes)
        {
            _shared.Return(array, clearArray);
            return;
        }

        Interlocked.Add(ref _used, -array.Length);
        if (array.Length <= LargeArrayBytes)
        {
            _shared.Return(array, clearArray);
            return;
        }

        // Dropped. Large arrays live in the large object heap, which only a full collection frees, and the collector keeps
        // freed memory committed for reuse; without one (an idle server allocates nothing that would start it) their
        // memory would stay taken. An aggressive collection, at most once a second, frees and decommits it. It is short:
        // the store lives outside the managed heap, which holds little but the connections' buffers.
        if (Interlocked.Add(ref _dropped, array.Length) >= CollectAfterBytes && Interlocked.Exchange(ref _collectionScheduled, 1) == 0)
        {
            // At most once a second, but always after the last drop: a burst's last arrays are given back too.
            var wait = Math.Max(0, Interlocked.Read(ref _lastCollect) + CollectIntervalMilliseconds - Environment.TickCount64);
            try
            {
                _collector.Change(wait, Timeout.Infinite);
            }
            catch (ObjectDisposedException)
            {
                // The server has stopped: nothing is left to give back for.
            }
        }
    }

    public void Dispose() => _collector.Dispose();

    private void Collect()
    {
        Interlocked.Exchange(ref _dropped, 0);
        Volatile.Write(ref _collectionScheduled, 0);
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        Interlocked.Exchange(ref _lastCollect, Environment.TickCount64);
    }

    private static long RoundUpToPowerOfTwo(int value) => 1L << (64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)value - 1));
}
