using Kv.Protocol;

namespace Kv.Client.Internal;

/// <summary>
/// A request waiting for its response: what the connection's FIFO holds. Pooled and reused, so its lifetime is
/// counted: one reference belongs to the FIFO (released when the reader dequeues the response, or when the
/// connection is torn down) and one to the caller's awaiter (released when it reads the result). Only when both are
/// gone is the object reset and returned to its pool, so a cancelled or timed-out request can stay in the FIFO,
/// waiting for the response that will be read and dropped, while its caller has long moved on.
/// <para>
/// Exactly one of the reader (the response), the cancellation callback, the timeout scan or a teardown completes
/// it; the others lose a compare-and-swap and do nothing.
/// </para>
/// </summary>
internal abstract class PendingOperation
{
    private int _completed;
    private int _references;
    private CancellationToken _cancellationToken;
    private CancellationTokenRegistration _cancellationRegistration;

    /// <summary>The request id written on the wire, which the response must echo.</summary>
    public uint RequestId { get; private set; }

    /// <summary>The command, for messages.</summary>
    public CommandKind Kind { get; private set; }

    /// <summary>When the request times out (<see cref="Environment.TickCount64"/>); <see cref="long.MaxValue"/> for never.</summary>
    public long Deadline { get; private set; }

    /// <summary>True once a result or an exception has been set.</summary>
    public bool IsCompleted => Volatile.Read(ref _completed) != 0;

    /// <summary>Arms a rented operation for one request; both references are taken.</summary>
    public void Start(uint requestId, CommandKind kind, long deadline)
    {
        RequestId = requestId;
        Kind = kind;
        Deadline = deadline;
        _completed = 0;
        Volatile.Write(ref _references, 2);
    }

    /// <summary>
    /// Makes <paramref name="cancellationToken"/> fail the caller's wait. Called after the request is queued; if the
    /// token is already cancelled the callback runs at once, here.
    /// </summary>
    public void RegisterCancellation(CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            _cancellationToken = cancellationToken;
            _cancellationRegistration = cancellationToken.UnsafeRegister(static state => ((PendingOperation)state!).OnCancelled(), this);
        }
    }

    /// <summary>
    /// Claims the operation for its response: true when nothing (cancellation, timeout, teardown) completed it first.
    /// The reader then decodes the response into it with <see cref="StoreResponse"/> and, later, on a thread-pool
    /// thread, signals the caller with <see cref="SignalStoredResponse"/>.
    /// </summary>
    public bool TryClaimForResponse() => Interlocked.Exchange(ref _completed, 1) == 0;

    /// <summary>
    /// Decodes <paramref name="response"/> into the operation's result (or its error) without signalling the caller:
    /// no caller code runs. Only after <see cref="TryClaimForResponse"/> returned true.
    /// </summary>
    public abstract void StoreResponse(in ResponseView response);

    /// <summary>
    /// Hands the stored result to the caller, running the caller's continuation inline, on this thread. Called once
    /// after <see cref="StoreResponse"/>, from a completion batch on the thread pool (never from the reader loop).
    /// The caller may take the result, release the operation and reuse it from the pool before this returns: the
    /// operation must not be touched afterwards.
    /// </summary>
    public abstract void SignalStoredResponse();

    /// <summary>Fails the operation, unless it already completed.</summary>
    public bool TrySetException(Exception exception)
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0)
        {
            return false;
        }

        SetExceptionCore(exception);
        return true;
    }

    /// <summary>Drops one reference; the last one resets the operation and returns it to its pool.</summary>
    public void Release()
    {
        var left = Interlocked.Decrement(ref _references);
        if (left > 0)
        {
            return;
        }

        if (left < 0)
        {
            throw new InvalidOperationException("A pending operation was released more often than it was referenced.");
        }

        // Dispose waits for a cancellation callback that is running right now, so none can touch the object once it
        // is back in the pool.
        _cancellationRegistration.Dispose();
        _cancellationRegistration = default;
        _cancellationToken = default;
        ResetAndReturn();
    }

    protected abstract void SetExceptionCore(Exception exception);

    protected abstract void ResetAndReturn();

    private void OnCancelled() => TrySetException(new OperationCanceledException(
        $"The Kv {Kind} request was cancelled; its response will be read and dropped.", _cancellationToken));
}
