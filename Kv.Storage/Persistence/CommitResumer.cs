namespace Kv.Storage.Persistence;

/// <summary>
/// Resumes the callers whose waits the log acknowledged, on a thread of its own: the writer thread hands it each group at
/// once and goes back to writing and syncing. One wake-up per group rather than one pool work item per caller (which
/// cost much more CPU per request under <c>always</c>: docs/persistence.md); the continuations run here, one after
/// another, each until it next waits.
/// </summary>
internal sealed class CommitResumer : IDisposable
{
    private readonly Lock _lock = new();
    private readonly ManualResetEventSlim _ready = new(false, 0);
    private readonly Thread _thread;
    private List<(CommitWaiter Waiter, CommitOutcome Outcome)> _pending = [];
    private List<(CommitWaiter Waiter, CommitOutcome Outcome)> _resuming = [];
    private bool _stopping;

    public CommitResumer()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "kv-log-resumer" };
        _thread.Start();
    }

    /// <summary>True on the resumer's thread (where a caller resumed by it runs).</summary>
    public bool IsResumerThread => Thread.CurrentThread == _thread;

    /// <summary>Queues waits to complete.</summary>
    public void Resume(List<CommitWaiter> waiters, CommitOutcome outcome)
    {
        lock (_lock)
        {
            foreach (var waiter in waiters)
            {
                _pending.Add((waiter, outcome));
            }
        }

        _ready.Set();
    }

    /// <summary>Completes what is queued, then stops the thread.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _stopping = true;
        }

        _ready.Set();
        if (!IsResumerThread)
        {
            _thread.Join();
            _ready.Dispose();
        }
    }

    private void Run()
    {
        while (true)
        {
            _ready.Wait();
            _ready.Reset();
            bool stopping;
            lock (_lock)
            {
                (_pending, _resuming) = (_resuming, _pending);
                stopping = _stopping;
            }

            foreach (var (waiter, outcome) in _resuming)
            {
                waiter.Complete(outcome);
            }

            _resuming.Clear();
            if (stopping)
            {
                return;
            }
        }
    }
}
