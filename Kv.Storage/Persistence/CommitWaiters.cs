namespace Kv.Storage.Persistence;

/// <summary>
/// The callers waiting for the log to acknowledge a position, and the acknowledged position itself: published under the
/// same lock a waiter registers under, so that a wait can never miss the acknowledgement that covers it. The waits are
/// completed on the <see cref="CommitResumer"/>'s thread.
/// </summary>
internal sealed class CommitWaiters : IDisposable
{
    private readonly CommitResumer _resumer = new();
    private readonly Lock _lock = new();
    private readonly List<CommitWaiter> _waiting = [];
    private readonly List<CommitWaiter> _released = [];
    private readonly ManualResetEventSlim _gathered = new(false, 0);
    private int _gatherTarget = int.MaxValue;
    private long _acknowledged;
    private bool _failed;
    private bool _notDurable;

    public CommitWaiters(long acknowledged) => _acknowledged = acknowledged;

    /// <summary>The position up to which every write is acknowledged.</summary>
    public long Acknowledged => Volatile.Read(ref _acknowledged);

    /// <summary>
    /// Registers a wait for <paramref name="position"/>, unless it is acknowledged already (or the log failed, or cannot
    /// write for now).
    /// </summary>
    /// <returns>A completed task, or one the writer completes.</returns>
    public ValueTask<CommitOutcome> Wait(CommitWaiter waiter, long position)
    {
        lock (_lock)
        {
            if (_failed)
            {
                return ValueTask.FromResult(CommitOutcome.Failed);
            }

            if (_acknowledged >= position)
            {
                return ValueTask.FromResult(CommitOutcome.Acknowledged);
            }

            if (_notDurable)
            {
                return ValueTask.FromResult(CommitOutcome.NotDurable);
            }

            waiter.Arm(position);
            _waiting.Add(waiter);
            if (_waiting.Count >= _gatherTarget)
            {
                _gatherTarget = int.MaxValue;
                _gathered.Set();
            }
        }

        return new ValueTask<CommitOutcome>(waiter, waiter.Version);
    }

    /// <summary>Publishes a new acknowledged position and completes the waits it covers.</summary>
    /// <returns>How many waits were completed; <paramref name="stillWaiting"/> says how many are left.</returns>
    public int Acknowledge(long position, out int stillWaiting)
    {
        lock (_lock)
        {
            Volatile.Write(ref _acknowledged, Math.Max(_acknowledged, position));
            for (var i = _waiting.Count - 1; i >= 0; i--)
            {
                var waiter = _waiting[i];
                if (waiter.Position <= _acknowledged)
                {
                    _waiting[i] = _waiting[^1];
                    _waiting.RemoveAt(_waiting.Count - 1);
                    _released.Add(waiter);
                }
            }

            stillWaiting = _waiting.Count;
        }

        var released = _released.Count;
        if (released > 0)
        {
            _resumer.Resume(_released, CommitOutcome.Acknowledged);
            _released.Clear();
        }

        return released;
    }

    /// <summary>Fails every wait, now and from now on: nothing more is acknowledged.</summary>
    public void FailAll()
    {
        List<CommitWaiter> failed;
        lock (_lock)
        {
            _failed = true;
            failed = [.. _waiting];
            _waiting.Clear();
        }

        _resumer.Resume(failed, CommitOutcome.Failed);
    }

    /// <summary>
    /// While the log cannot write (a full disk): every wait beyond the acknowledged position ends now as
    /// <see cref="CommitOutcome.NotDurable"/>, and so do later ones, until <see cref="SetWritable"/>.
    /// </summary>
    public void SetNotDurable()
    {
        List<CommitWaiter> released;
        lock (_lock)
        {
            _notDurable = true;
            released = [.. _waiting];
            _waiting.Clear();
        }

        _resumer.Resume(released, CommitOutcome.NotDurable);
    }

    /// <summary>The log writes again: waits are registered as before.</summary>
    public void SetWritable()
    {
        lock (_lock)
        {
            _notDurable = false;
        }
    }

    /// <summary>True on the thread that resumes waiting callers.</summary>
    public bool IsResumerThread => _resumer.IsResumerThread;

    /// <summary>
    /// Waits, at most <paramref name="timeoutMilliseconds"/>, until at least <paramref name="target"/> callers wait.
    /// </summary>
    /// <returns>How many wait at the end (below the target when the time ran out).</returns>
    public int Gather(int target, int timeoutMilliseconds)
    {
        lock (_lock)
        {
            if (_waiting.Count >= target)
            {
                return _waiting.Count;
            }

            _gathered.Reset();
            _gatherTarget = target;
        }

        _gathered.Wait(timeoutMilliseconds);
        lock (_lock)
        {
            _gatherTarget = int.MaxValue;
            return _waiting.Count;
        }
    }

    public void Dispose()
    {
        _resumer.Dispose();
        _gathered.Dispose();
    }
}
