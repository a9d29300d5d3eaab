namespace Kv.Client.Internal;

/// <summary>
/// The FIFO of requests written (or about to be written) to the connection, in wire order: a growable ring buffer.
/// Not thread-safe: the connection guards it with the same lock that guards its pending-write buffer, which is what
/// makes FIFO order equal wire order.
/// <para>
/// Every request has the same timeout and is stamped under that lock, so deadlines never decrease from head to tail:
/// the timeout scan walks from the first request not yet expired and stops at the first one still in time.
/// </para>
/// </summary>
internal sealed class OperationQueue
{
    // The length is always a power of two, so that an index wraps with a mask.
    private PendingOperation?[] _items = new PendingOperation?[64];
    private int _head;
    private int _count;
    private int _expired;

    public int Count => _count;

    public void Enqueue(PendingOperation operation)
    {
        if (_count == _items.Length)
        {
            Grow();
        }

        _items[(_head + _count) & (_items.Length - 1)] = operation;
        _count++;
    }

    public PendingOperation? Peek() => _count == 0 ? null : _items[_head];

    public PendingOperation Dequeue()
    {
        if (_count == 0)
        {
            throw new InvalidOperationException("The operation queue is empty.");
        }

        var operation = _items[_head]!;
        _items[_head] = null;
        _head = (_head + 1) & (_items.Length - 1);
        _count--;
        if (_expired > 0)
        {
            _expired--;
        }

        return operation;
    }

    /// <summary>
    /// Fails with a timeout every request whose deadline is at or before <paramref name="now"/> (requests that already
    /// completed, say cancelled, just count as expired) and returns how many were failed.
    /// </summary>
    public int ExpireUntil(long now, Func<PendingOperation, Exception> timeout)
    {
        var failed = 0;
        while (_expired < _count)
        {
            var operation = _items[(_head + _expired) & (_items.Length - 1)]!;
            if (operation.Deadline > now)
            {
                break;
            }

            if (!operation.IsCompleted && operation.TrySetException(timeout(operation)))
            {
                failed++;
            }

            _expired++;
        }

        return failed;
    }

    /// <summary>Removes every request, oldest first, into <paramref name="destination"/>.</summary>
    public void DrainTo(List<PendingOperation> destination)
    {
        while (_count > 0)
        {
            destination.Add(Dequeue());
        }

        _expired = 0;
    }

    private void Grow()
    {
        var grown = new PendingOperation?[_items.Length * 2];
        for (var i = 0; i < _count; i++)
        {
            grown[i] = _items[(_head + i) & (_items.Length - 1)];
        }

        _items = grown;
        _head = 0;
    }
}
