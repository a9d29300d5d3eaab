namespace Kv.Client.Internal;

/// <summary>
/// A bounded, process-wide stack of idle <see cref="PendingOperation{T, TDecoder}"/> objects, one pool per result
/// type. Renting and returning take a lock held for a few instructions; when the pool is empty a new operation is
/// made, and when it is full a returned one is left to the garbage collector.
/// </summary>
internal sealed class OperationPool<T, TDecoder>
    where TDecoder : IResponseDecoder<T>
{
    private const int Capacity = 1024;

    private readonly Lock _lock = new();
    private readonly PendingOperation<T, TDecoder>[] _items = new PendingOperation<T, TDecoder>[Capacity];
    private int _count;

    public static OperationPool<T, TDecoder> Shared { get; } = new();

    public PendingOperation<T, TDecoder> Rent()
    {
        lock (_lock)
        {
            if (_count > 0)
            {
                var item = _items[--_count];
                _items[_count] = null!;
                return item;
            }
        }

        return new PendingOperation<T, TDecoder>(this);
    }

    public void Return(PendingOperation<T, TDecoder> operation)
    {
        lock (_lock)
        {
            if (_count < Capacity)
            {
                _items[_count++] = operation;
            }
        }
    }
}
