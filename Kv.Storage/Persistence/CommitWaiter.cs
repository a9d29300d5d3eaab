using System.Threading.Tasks.Sources;

namespace Kv.Storage.Persistence;

/// <summary>
/// One caller's reusable wait on an <see cref="ICommitBarrier"/> (a connection keeps one): awaited as a
/// <see cref="ValueTask{TResult}"/> without allocating. The result is false when the log failed.
/// </summary>
public sealed class CommitWaiter : IValueTaskSource<bool>
{
    // Completed by the log's resumer thread (CommitResumer), never by its writer: the continuation runs there unless the
    // caller awaits with a scheduler of its own.
    private ManualResetValueTaskSourceCore<bool> _core;

    /// <summary>The log position this wait is for.</summary>
    internal long Position { get; private set; }

    internal short Version => _core.Version;

    /// <inheritdoc />
    bool IValueTaskSource<bool>.GetResult(short token) => _core.GetResult(token);

    /// <inheritdoc />
    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _core.GetStatus(token);

    /// <inheritdoc />
    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    /// <summary>Readies the waiter for a new wait; only once the previous one has been awaited.</summary>
    internal void Arm(long position)
    {
        _core.Reset();
        Position = position;
    }

    internal void Complete(bool acknowledged) => _core.SetResult(acknowledged);
}
