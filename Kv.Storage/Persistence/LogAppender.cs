using CommunityToolkit.HighPerformance.Buffers;

namespace Kv.Storage.Persistence;

/// <summary>
/// Where writes are appended, by the store's threads under their stripe's lock: an in-memory buffer of encoded records
/// that the writer takes whole (swapping in a second buffer, so appends never wait for the disk). Positions count bytes
/// appended since the log was opened, starting at the replayed file's length.
/// </summary>
internal sealed class LogAppender : IDisposable
{
    private const int InitialBufferSize = 64 * 1024;

    // A buffer that one large value made large is not kept for ever.
    private const int RetainedBufferSize = 4 * 1024 * 1024;

    private readonly Lock _lock = new();
    private ArrayPoolBufferWriter<byte> _active = new(InitialBufferSize);
    private ArrayPoolBufferWriter<byte> _spare = new(InitialBufferSize);
    private long _appended;
    private bool _writerSleeping;
    private bool _closed;

    public LogAppender(long start) => _appended = start;

    /// <summary>The position after the last record appended.</summary>
    public long Appended => Volatile.Read(ref _appended);

    /// <summary>Appends SET key value (with an expiry in Unix milliseconds, or 0).</summary>
    /// <returns>True when the writer sleeps and must be woken (by the caller, outside any lock).</returns>
    public bool AppendSet(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, long expiresAt)
    {
        var size = LogRecordWriter.SetLength(key.Length, value.Length, expiresAt);
        lock (_lock)
        {
            if (_closed)
            {
                return false;
            }

            LogRecordWriter.WriteSet(_active.GetSpan(size), key, value, expiresAt);
            return Commit(size);
        }
    }

    /// <summary>Appends an expiry change.</summary>
    /// <returns>True when the writer sleeps and must be woken (by the caller, outside any lock).</returns>
    public bool AppendExpire(ReadOnlySpan<byte> key, long expiresAt)
    {
        var size = LogRecordWriter.ExpireLength(key.Length);
        lock (_lock)
        {
            if (_closed)
            {
                return false;
            }

            LogRecordWriter.WriteExpire(_active.GetSpan(size), key, expiresAt);
            return Commit(size);
        }
    }

    /// <summary>Appends CLEAR key.</summary>
    /// <returns>True when the writer sleeps and must be woken (by the caller, outside any lock).</returns>
    public bool AppendClear(ReadOnlySpan<byte> key)
    {
        var size = LogRecordWriter.ClearLength(key.Length);
        lock (_lock)
        {
            if (_closed)
            {
                return false;
            }

            LogRecordWriter.WriteClear(_active.GetSpan(size), key);
            return Commit(size);
        }
    }

    /// <summary>
    /// Takes everything appended so far, for the writer; appends go on into the other buffer meanwhile. Hand the batch
    /// back with <see cref="Return"/> once written.
    /// </summary>
    /// <param name="end">The position after the batch's last byte.</param>
    /// <param name="sleepIfEmpty">
    /// When nothing was appended, mark the writer asleep: the next append returns true. Otherwise appends never do (the
    /// writer is awake, or callers commit themselves).
    /// </param>
    public ArrayPoolBufferWriter<byte> Take(out long end, bool sleepIfEmpty)
    {
        lock (_lock)
        {
            var batch = _active;
            end = _appended;
            _writerSleeping = sleepIfEmpty && batch.WrittenCount == 0;
            _active = _spare;
            _spare = null!;
            return batch;
        }
    }

    /// <summary>Gives a written batch back, emptied, as the next spare buffer.</summary>
    public void Return(ArrayPoolBufferWriter<byte> batch)
    {
        if (batch.Capacity > RetainedBufferSize)
        {
            batch.Dispose();
            batch = new ArrayPoolBufferWriter<byte>(InitialBufferSize);
        }
        else
        {
            batch.Clear();
        }

        lock (_lock)
        {
            _spare = batch;
        }
    }

    /// <summary>The writer is not asleep any more (it was woken for something other than an append).</summary>
    public void MarkAwake()
    {
        lock (_lock)
        {
            _writerSleeping = false;
        }
    }

    /// <summary>Drops every later append: nobody will write it (the log failed, or closed).</summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _active?.Dispose();
            _spare?.Dispose();
        }
    }

    // Under the lock.
    private bool Commit(int size)
    {
        _active.Advance(size);
        Volatile.Write(ref _appended, _appended + size);
        if (!_writerSleeping)
        {
            return false;
        }

        _writerSleeping = false;
        return true;
    }
}
