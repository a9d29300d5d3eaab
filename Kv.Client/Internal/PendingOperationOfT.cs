using System.Text;
using System.Threading.Tasks.Sources;
using Kv.Protocol;

namespace Kv.Client.Internal;

/// <summary>
/// A pooled <see cref="IValueTaskSource{TResult}"/> for one request whose result is a <typeparamref name="T"/>. It is
/// also a non-generic <see cref="IValueTaskSource"/>, for calls that return a plain <see cref="ValueTask"/>.
/// A caller's code never runs on (and never stalls) the reader loop: a response is decoded on the reader loop but
/// signalled from a completion batch on the thread pool, which runs the continuation inline
/// (<see cref="CompletionBatch"/>); a failure (cancellation, timeout, teardown) queues the continuation to the thread
/// pool.
/// </summary>
/// <typeparam name="T">The caller's result.</typeparam>
/// <typeparam name="TDecoder">How a response becomes that result.</typeparam>
internal sealed class PendingOperation<T, TDecoder> : PendingOperation, IValueTaskSource<T>, IValueTaskSource
    where TDecoder : IResponseDecoder<T>
{
    private readonly OperationPool<T, TDecoder> _pool;
    private ManualResetValueTaskSourceCore<T> _core;
    private T _storedResult = default!;
    private Exception? _storedError;

    public PendingOperation(OperationPool<T, TDecoder> pool)
    {
        _pool = pool;
        _core.RunContinuationsAsynchronously = true;
    }

    /// <summary>The token of the current use, for the <see cref="ValueTask{TResult}"/> handed to the caller.</summary>
    public short Version => _core.Version;

    public ValueTask<T> AsValueTask() => new(this, _core.Version);

    public ValueTask AsNonGenericValueTask() => new(this, _core.Version);

    public T GetResult(short token)
    {
        // A stale or premature GetResult must not drop the caller's reference: check before taking the result.
        if (token != _core.Version || _core.GetStatus(token) == ValueTaskSourceStatus.Pending)
        {
            throw new InvalidOperationException("A Kv operation's ValueTask was awaited twice, or read before it completed; await each ValueTask exactly once.");
        }

        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            Release();
        }
    }

    void IValueTaskSource.GetResult(short token) => GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    public override void StoreResponse(in ResponseView response)
    {
        if (response.Status == ResponseStatus.Error)
        {
            _storedError = new KvServerException(response.ErrorCode, Encoding.UTF8.GetString(response.Payload));
            return;
        }

        try
        {
            _storedResult = TDecoder.Decode(response.Status, response.Payload);
        }
        catch (Exception e)
        {
            _storedError = e;
        }
    }

    public override void SignalStoredResponse()
    {
        var result = _storedResult;
        var error = _storedError;
        _storedResult = default!;
        _storedError = null;

        // The continuation runs here, inline: this is a completion batch's thread-pool thread, not the reader loop.
        _core.RunContinuationsAsynchronously = false;
        if (error is null)
        {
            _core.SetResult(result);
        }
        else
        {
            _core.SetException(error);
        }
    }

    protected override void SetExceptionCore(Exception exception) => _core.SetException(exception);

    protected override void ResetAndReturn()
    {
        _core.Reset();
        _core.RunContinuationsAsynchronously = true;
        _pool.Return(this);
    }
}
