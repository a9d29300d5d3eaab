using System.Threading.Tasks.Sources;

namespace Kv.Client.Internal;

/// <summary>
/// Wakes the parked writer loop, allocation-free and reusable. One waiter (the writer loop) at a time: it calls
/// <see cref="Prepare"/> under the connection lock when it finds nothing to send, and whoever finds it parked (under
/// that lock) calls <see cref="Set"/> once, outside the lock. The writer resumes on the thread pool, never on the
/// caller's thread.
/// </summary>
internal sealed class WriterSignal : IValueTaskSource
{
    private ManualResetValueTaskSourceCore<bool> _core;

    public WriterSignal()
    {
        _core.RunContinuationsAsynchronously = true;
    }

    public ValueTask Prepare()
    {
        _core.Reset();
        return new ValueTask(this, _core.Version);
    }

    public void Set() => _core.SetResult(true);

    public void GetResult(short token) => _core.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
