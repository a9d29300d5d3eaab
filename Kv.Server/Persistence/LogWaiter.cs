using System.Threading.Tasks.Sources;

namespace Kv.Server.Persistence;

/// <summary>
/// One connection's reusable wait for the log to reach a position: awaited as a <see cref="ValueTask{TResult}"/>
/// without allocating, once per batch at most. The result is false when the log failed: nothing may be acknowledged.
/// </summary>
internal sealed class LogWaiter : IValueTaskSource<bool>
{
    // Continuations run inline where the log completes the waiter: on its writer thread, right after the fsync
    // (AppendOnlyLog.CompleteWaiters).
    private ManualResetValueTaskSourceCore<bool> _core;

    /// <summary>The log position this wait is for.</summary>
    public long Position { get; private set; }

    public short Version => _core.Version;

    public bool GetResult(short token) => _core.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    /// <summary>Readies the waiter for a new wait; only once the previous one has been awaited.</summary>
    internal void Arm(long position)
    {
        _core.Reset();
        Position = position;
    }

    internal void Complete(bool durable) => _core.SetResult(durable);
}
