using System.Text;
using System.Threading.Tasks.Sources;
using Kv.Protocol;

namespace Kv.Client.Internal;

/// <summary>
/// A pooled <see cref="IValueTaskSource{TResult}"/> for one request whose result is a <typeparamref name="T"/>. It is
/// also a non-generic <see cref="IValueTaskSource"/>, for calls that return a plain <see cref="ValueTask"/>.
/// Continuations always run asynchronously, so a caller's code never runs on (and never stalls) the reader loop.
/// </summary>
/// <typeparam name="T">The caller's result.</typeparam>
/// <typeparam name="TDecoder">How a response becomes that result.</typeparam>
internal sealed class PendingOperation<T, TDecoder> : PendingOperation, IValueTaskSource<T>, IValueTaskSource
    where TDecoder : IResponseDecoder<T>
{
    private readonly OperationPool<T, TDecoder> _pool;
    private ManualResetValueTaskSourceCore<T> _core;

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

    protected override void SetResponseCore(in ResponseView response)
    {
        if (response.Status == ResponseStatus.Error)
        {
            _core.SetException(new KvServerException(response.ErrorCode, Encoding.UTF8.GetString(response.Payload)));
            return;
        }

        T result;
        try
        {
            result = TDecoder.Decode(response.Status, response.Payload);
        }
        catch (Exception e)
        {
            _core.SetException(e);
            return;
        }

        _core.SetResult(result);
    }

    protected override void SetExceptionCore(Exception exception) => _core.SetException(exception);

    protected override void ResetAndReturn()
    {
        _core.Reset();
        _pool.Return(this);
    }
}
