using System.Buffers;
using CommunityToolkit.HighPerformance.Buffers;
using Kv.Storage.Diagnostics;

namespace Kv.Storage.Persistence;

/// <summary>
/// A full disk (ENOSPC, or EDQUOT for a quota): unlike other write errors, a condition that passes. What could not be
/// written is kept, in order, and retried every <see cref="DiskFullRetryMilliseconds"/>; meanwhile the store refuses
/// writes, reads go on, and what was not written is not acknowledged. docs/persistence.md has the whole behaviour.
/// </summary>
internal sealed partial class LogWriter
{
    // While the disk is full: what could not be written, in order from the written position, up to _unwrittenEnd.
    private ArrayPoolBufferWriter<byte>? _unwritten;
    private long _unwrittenEnd;
    private long _nextRetry;
    private long _diskFullSince;

    /// <summary>True while the disk is full: writes wait to be written, and the store refuses new ones.</summary>
    public bool IsDiskFull => Volatile.Read(ref _diskFullSince) != 0;

    // Under the write lock, when a write found the disk full: the batch waits, behind what already waited.
    private void KeepUnwritten(ReadOnlySpan<byte> batch, long end, LogDiskFullException e)
    {
        if (_unwritten is null)
        {
            _unwritten = new ArrayPoolBufferWriter<byte>(Math.Max(batch.Length, 1024));
            _unwritten.Write(batch);
            _unwrittenEnd = end;
            DiskFull(e);
        }

        _nextRetry = Environment.TickCount64 + DiskFullRetryMilliseconds;
    }

    // Under the write lock, while the disk is full: what came since waits behind what could not be written, in order, and
    // no compaction is put in place meanwhile. When the retry is due, writes it all. Returns the bytes written, or -1.
    private int RetryUnwritten(ReadOnlySpan<byte> batch, long end, SwitchRequest? switchRequest, bool retryNow)
    {
        var unwritten = _unwritten!;
        unwritten.Write(batch);
        _unwrittenEnd = end;
        switchRequest?.Done.TrySetException(new IOException("The disk is full: the compaction is given up."));
        if (!retryNow && Environment.TickCount64 < _nextRetry)
        {
            return -1;
        }

        _file.Append(unwritten.WrittenSpan, IoFault);
        Volatile.Write(ref _written, end);
        Interlocked.Increment(ref _writes);

        // More than the batch, and never 0, so that the writer does not go to sleep before a call that marks the appender
        // asleep (this one did not, and appends would not wake it).
        var written = unwritten.WrittenCount;
        DiskFullOver();
        return written;
    }

    // Under the write lock, on the first write that found the disk full.
    private void DiskFull(LogDiskFullException e)
    {
        Volatile.Write(ref _diskFullSince, Math.Max(1, Environment.TickCount64));
        _store.RefuseWrites($"writes refused: the disk is full ({e.Message} writing {_directory.LogPath}); reads go on, and writes resume once space is freed");
        _waiters.SetNotDurable();
        StorageLog.DiskFull(_logger, _directory.LogPath, e.Message, _unwrittenEnd - Written, DiskFullRetryMilliseconds);

        // The writer thread retries: when a caller's commit found the disk full, it may be asleep without a timeout.
        Wake();
    }

    // Under the write lock, once what waited is written: it is made durable at once, whatever the policy, and writes are
    // accepted again. An fsync that fails here fails the log, as any failed fsync does.
    private void DiskFullOver()
    {
        _unwritten!.Dispose();
        _unwritten = null;
        SyncHeld();
        var since = Volatile.Read(ref _diskFullSince);
        Volatile.Write(ref _diskFullSince, 0);
        _waiters.SetWritable();
        _store.AcceptWrites();
        StorageLog.DiskFullOver(_logger, _directory.LogPath, Environment.TickCount64 - since);
    }
}
