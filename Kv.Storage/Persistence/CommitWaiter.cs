using System.Threading.Tasks.Sources;

namespace Kv.Storage.Persistence;

/// <summary>
/// One caller's reusable wait on an <see cref="ICommitBarrier"/> (a connection keeps one): awaited as a
/// <see cref="ValueTask{TResult}"/> without allocating.
/// </summary>
public sealed class CommitWaiter : IValueTaskSource<CommitOutcome>
{
    // Completed by the log's resumer thread (CommitResumer), never by its writer: the continuation runs there unless the
    // caller awaits with a scheduler of its own.
    private ManualResetValueTaskSourceCore<CommitOutcome> _core;

    /// <summary>The log position this wait is for.</summary>
    internal long Position { get; private set; }

    internal short Version => _core.Version;

    /// <inheritdoc />
    CommitOutcome IValueTaskSource<CommitOutcome>.GetResult(short token) => _core.GetResult(token);

    /// <inheritdoc />
    ValueTaskSourceStatus IValueTaskSource<CommitOutcome>.GetStatus(short token) => _core.GetStatus(token);

    /// <inheritdoc />
    void IValueTaskSource<CommitOutcome>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    /// <summary>Readies the waiter for a new wait; only once the previous one has been awaited.</summary>
    internal void Arm(long position)
    {
        _core.Reset();
        Position = position;
    }

    internal void Complete(CommitOutcome outcome) => _core.SetResult(outcome);
}
