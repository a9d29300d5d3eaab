using System.Diagnostics;

namespace Kv.Storage.Persistence;

/// <summary>The file switch at the end of a compaction: only the writer knows the last records, so only it can do it.</summary>
internal sealed partial class LogWriter
{
    // With the batch taken from the appender: appends wait in the buffer meanwhile, and connections under `always` wait
    // for their acknowledgement. The steps are in docs/persistence.md.
    private void Switch(SwitchRequest request, ReadOnlySpan<byte> batch, long end)
    {
        var stopwatch = Stopwatch.StartNew();
        var copy = request.Copy;
        try
        {
            // The records written to the old log since the compactor last copied, then this batch: the copy is whole.
            LogCompactor.CopyRange(_file.Handle, copy.CopiedUpTo - _file.Origin, Written - copy.CopiedUpTo, copy);
            IoFault?.Invoke("write");
            RandomAccess.Write(copy.Handle, batch, copy.Length);
            copy.Length += batch.Length;
            if (copy.Length != copy.SnapshotLength + (end - copy.StartPosition))
            {
                // Positions would no longer map to offsets in the new file: never put such a file in place.
                throw new InvalidOperationException(
                    $"The compacted log is {copy.Length} bytes where {copy.SnapshotLength + (end - copy.StartPosition)} were expected; it is discarded.");
            }

            FileSync.SyncData(copy.Handle);
            _compaction.Fault?.Invoke(CompactionStep.FinalWritten);
            File.Move(_directory.TempPath, _directory.LogPath, overwrite: true);
        }
        catch (Exception e)
        {
            // Nothing has changed for the log (rename is atomic): give up the compaction and carry on with the old file,
            // writing this batch to it as any other.
            request.Done.TrySetException(e);
            _file.Append(batch, IoFault);
            Volatile.Write(ref _written, end);
            if (_options.Fsync == FsyncPolicy.Always)
            {
                SyncHeld();
            }

            return;
        }

        try
        {
            _compaction.Fault?.Invoke(CompactionStep.Renamed);

            // Without this, a crash of the machine could bring the old name back, and lose what only the new file has.
            _directory.Sync();
            _compaction.Fault?.Invoke(CompactionStep.DirectorySynced);
        }
        catch (Exception e)
        {
            // The new file is the log now, but whether its name is on disk is unknown: stop, as for any failed fsync.
            request.Done.TrySetException(e);
            throw;
        }

        // The old file is closed by the compaction thread: it is unlinked now, so its last close frees all its blocks,
        // which can take tens of milliseconds for a large log, and appends must not wait for that.
        request.OldFile = _file;
        _file = new LogFile(copy.Handle, copy.Length, copy.StartPosition - copy.SnapshotLength);
        copy.HandedOver = true;
        Volatile.Write(ref _written, end);
        Volatile.Write(ref _durable, end);
        _lastSync = Environment.TickCount64;
        request.Pause = stopwatch.Elapsed;
        request.Done.TrySetResult();
    }
}
