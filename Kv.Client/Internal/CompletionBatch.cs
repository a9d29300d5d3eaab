namespace Kv.Client.Internal;

/// <summary>
/// The operations answered by one receive, whose callers are signalled by ONE thread-pool work item rather than one
/// each. The reader loop fills a batch (each operation already claimed for its response and its result decoded), and
/// queues it; the work item signals the operations in order, running each caller's continuation inline, on its own
/// thread-pool thread. So the reader loop never runs caller code, and the thread pool dispatches one work item per
/// receive instead of one per operation; the continuations, run back to back, also queue their next requests back to
/// back, so the writer's sends carry more of them.
/// <para>
/// The price: a continuation that blocks holds up the operations after it in the same batch. To bound that, a batch
/// can take helpers: when the reader loop (at each receive) or the connection's watchdog (every 10 ms while any batch
/// is running) sees that a batch has signalled nothing since it last looked, at least a millisecond ago, it queues the
/// same batch once more, and
/// the new runner signals the operations the blocked one has not reached. Operations are claimed one at a time with
/// an interlocked counter, so each is signalled exactly once whoever runs it. The last runner to leave returns the
/// batch to its connection.
/// </para>
/// </summary>
internal sealed class CompletionBatch : IThreadPoolWorkItem
{
    private const long StallMilliseconds = 1;

    private readonly ICompletionBatchOwner _owner;
    private PendingOperation?[] _operations = new PendingOperation?[64];
    private int _count;

    // The next operation to signal; runners claim them with Interlocked.Increment, so it may overshoot _count.
    private int _next;

    // Threads running Execute plus helpers queued to; 0 while idle (in the pool, or being filled by the reader).
    private int _runners;

    // What the stall check saw last time it looked, and when _next last moved.
    private int _lastSeen;
    private long _lastProgress;

    public CompletionBatch(ICompletionBatchOwner owner)
    {
        _owner = owner;
    }

    /// <summary>The next idle batch in the owner's pool (a lock-free stack).</summary>
    public CompletionBatch? NextIdle { get; set; }

    public int Count => _count;

    /// <summary>Adds an operation (reader loop only, while the batch is idle).</summary>
    public void Add(PendingOperation operation)
    {
        if (_count == _operations.Length)
        {
            Array.Resize(ref _operations, _operations.Length * 2);
        }

        _operations[_count++] = operation;
    }

    public PendingOperation this[int index] => _operations[index]!;

    public void SetAt(int index, PendingOperation operation) => _operations[index] = operation;

    /// <summary>Keeps the first <paramref name="count"/> operations (reader loop only, while the batch is idle).</summary>
    public void Truncate(int count)
    {
        Array.Clear(_operations, count, _count - count);
        _count = count;
    }

    /// <summary>Queues the batch to the thread pool (reader loop only). The batch must hold at least one operation.</summary>
    public void Dispatch()
    {
        _next = 0;
        _lastSeen = -1;
        _lastProgress = Environment.TickCount64;
        // A full fence: the connection's watchdog reads _runners after clearing its armed flag, and the reader
        // reads that flag after this.
        Interlocked.Exchange(ref _runners, 1);

        // To the reader's own thread-pool thread first: it picks the batch up as soon as the reader loop waits for
        // the next receive, with the responses still in its cache and no other thread to wake (idle ones may steal).
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
    }

    /// <summary>True while some operation has not been signalled yet, or a runner has not left.</summary>
    public bool IsRunning => Volatile.Read(ref _runners) != 0;

    /// <summary>
    /// Queues a helper when the batch is running but has signalled nothing since the last look, at least
    /// <see cref="StallMilliseconds"/> ago: a continuation is blocking. Safe from any thread; at worst it adds a
    /// runner to a batch that did not need one, which only completes its operations sooner.
    /// </summary>
    /// <returns>True when a helper was queued.</returns>
    public bool RescueIfStalled()
    {
        if (Volatile.Read(ref _runners) == 0)
        {
            return false;
        }

        var next = Volatile.Read(ref _next);
        if (next >= _count)
        {
            return false;
        }

        var now = Environment.TickCount64;
        if (next != _lastSeen)
        {
            _lastSeen = next;
            _lastProgress = now;
            return false;
        }

        if (now - _lastProgress < StallMilliseconds)
        {
            return false;
        }

        // Join only a batch that is still running: one whose runners dropped to 0 is back in the pool.
        int runners;
        do
        {
            runners = Volatile.Read(ref _runners);
            if (runners == 0)
            {
                return false;
            }
        }
        while (Interlocked.CompareExchange(ref _runners, runners + 1, runners) != runners);

        _lastProgress = now;
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        return true;
    }

    /// <summary>Signals the operations not yet claimed by another runner, in order, each continuation inline.</summary>
    public void Execute()
    {
        // The thread pool hands us a clean thread; put it back that way after each caller's code, as the pool itself
        // does between work items, so that no AsyncLocal or SynchronizationContext leaks from one caller to the next.
        var clean = ExecutionContext.Capture();
        while (true)
        {
            var index = Interlocked.Increment(ref _next) - 1;
            if (index >= _count)
            {
                break;
            }

            var operation = _operations[index]!;
            _operations[index] = null;

            // Drop the FIFO's reference first: the caller's is then the last, so the continuation that takes the
            // result also returns the operation to its pool, where the same caller's next request finds it.
            operation.Release();
            operation.SignalStoredResponse();

            if (!ReferenceEquals(ExecutionContext.Capture(), clean) && clean is not null)
            {
                ExecutionContext.Restore(clean);
            }

            if (SynchronizationContext.Current is not null)
            {
                SynchronizationContext.SetSynchronizationContext(null);
            }
        }

        if (Interlocked.Decrement(ref _runners) == 0)
        {
            _count = 0;
            _owner.ReturnBatch(this);
        }
    }
}

/// <summary>Where a <see cref="CompletionBatch"/> goes back once every operation in it has been signalled.</summary>
internal interface ICompletionBatchOwner
{
    void ReturnBatch(CompletionBatch batch);
}
