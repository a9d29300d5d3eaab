using System.Buffers;
using CommunityToolkit.HighPerformance.Buffers;
using Microsoft.Win32.SafeHandles;

namespace Kv.Storage.Persistence;

/// <summary>
/// A compacted copy of the log in its temporary file, not yet in place: the store's records as of the compaction's
/// start, then the old log's records from <see cref="StartPosition"/> to <see cref="CopiedUpTo"/>.
/// </summary>
internal sealed class CompactedFile(SafeFileHandle handle) : IDisposable
{
    public SafeFileHandle Handle { get; } = handle;

    /// <summary>Bytes written to the file so far.</summary>
    public long Length { get; set; }

    /// <summary>The log position from which every record was copied after the snapshot.</summary>
    public long StartPosition { get; init; }

    /// <summary>Where the snapshot ends in the file: the file offset of <see cref="StartPosition"/>'s record.</summary>
    public long SnapshotLength { get; init; }

    /// <summary>The log position up to which records have been copied.</summary>
    public long CopiedUpTo { get; set; }

    /// <summary>Set once the log has taken the file over; it is then not disposed here.</summary>
    public bool HandedOver { get; set; }

    public void Dispose()
    {
        if (!HandedOver)
        {
            Handle.Dispose();
        }
    }
}

/// <summary>
/// Writes a compacted copy of the log from the store, stripe by stripe, while requests go on. Only the log's
/// writer thread puts the copy in place (<see cref="LogWriter"/>), since only it knows the last records.
/// </summary>
/// <remarks>
/// Why a snapshot taken one stripe at a time, over a window in which writes go on, gives the right state: every
/// write before <c>start</c> is in the store before any stripe is copied (it is appended under its stripe's lock),
/// and every write from <c>start</c> on is copied after the snapshot, in log order. Replaying the snapshot and then
/// those records leaves each key with its last write, because SET and CLEAR are blind overwrites: replaying a
/// write the snapshot already reflects changes nothing. A future read-modify-write command (INCR) must be logged
/// as the SET of its result to keep this true.
/// </remarks>
internal static class LogCompactor
{
    private const int FlushThreshold = 1024 * 1024;
    private const int CopyChunk = 1024 * 1024;

    /// <summary>Catching up stops once fewer bytes than this are left: the writer copies the rest at the switch.</summary>
    public const long DefaultCatchUpSlack = 64 * 1024;

    private static readonly RecordReader<ArrayPoolBufferWriter<byte>> AddRecord = static (key, value, expiresAt, buffer) =>
    {
        var size = LogRecordWriter.SetLength(key.Length, value.Length, expiresAt);
        buffer.Advance(LogRecordWriter.WriteSet(buffer.GetSpan(size), key, value, expiresAt));
    };

    /// <summary>Writes the snapshot and catches up with the old log, then fsyncs the copy.</summary>
    /// <param name="store">The store to copy.</param>
    /// <param name="oldLog">The current log file (read only).</param>
    /// <param name="start">The log position the compaction began at, taken before any stripe is copied.</param>
    /// <param name="writtenPosition">The current log's written position (every byte before it is in the file).</param>
    /// <param name="tempPath">The temporary file to create; must not exist.</param>
    /// <param name="fault">The test hook run at each step, or null.</param>
    /// <param name="catchUpSlack">Bytes left for the writer to copy at the switch (see <see cref="DefaultCatchUpSlack"/>).</param>
    /// <param name="cancellation">Stops the compaction between steps and stripes.</param>
    public static CompactedFile WriteCopy(
        MemoryStore store,
        LogFile oldLog,
        long start,
        Func<long> writtenPosition,
        string tempPath,
        Action<CompactionStep>? fault,
        long catchUpSlack,
        CancellationToken cancellation)
    {
        var handle = File.OpenHandle(tempPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read);
        using var buffer = new ArrayPoolBufferWriter<byte>(2 * FlushThreshold);
        CompactedFile? file = null;
        try
        {
            FilePermissions.OwnerOnly(handle, tempPath, created: true, logger: null);
            Span<byte> header = stackalloc byte[LogFormat.FileHeaderSize];
            LogFormat.WriteFileHeader(header);
            RandomAccess.Write(handle, header, 0);
            long length = header.Length;
            fault?.Invoke(CompactionStep.TempCreated);

            for (var stripe = 0; stripe < store.StripeCount; stripe++)
            {
                cancellation.ThrowIfCancellationRequested();
                store.ReadStripe(stripe, AddRecord, buffer);
                if (buffer.WrittenCount >= FlushThreshold || stripe == store.StripeCount - 1)
                {
                    // Written outside the stripe's lock: the lock is held only for the copy into memory.
                    RandomAccess.Write(handle, buffer.WrittenSpan, length);
                    length += buffer.WrittenCount;
                    buffer.Clear();
                }
            }

            file = new CompactedFile(handle) { Length = length, StartPosition = start, SnapshotLength = length, CopiedUpTo = start };
            fault?.Invoke(CompactionStep.SnapshotWritten);

            // Copy what was appended meanwhile, a few times over, so that the writer has little left at the switch.
            CatchUp(oldLog, writtenPosition, file, catchUpSlack, cancellation);
            fault?.Invoke(CompactionStep.CaughtUp);
            FileSync.SyncData(handle);

            // The first fsync (the whole snapshot) takes long enough for a fair amount to be written meanwhile: copy
            // that too and fsync again (a short one), so that the writer copies and fsyncs little while appends wait.
            CatchUp(oldLog, writtenPosition, file, catchUpSlack: 0, cancellation);
            FileSync.SyncData(handle);
            fault?.Invoke(CompactionStep.TempSynced);
            return file;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static void CatchUp(LogFile oldLog, Func<long> writtenPosition, CompactedFile file, long catchUpSlack, CancellationToken cancellation)
    {
        for (var round = 0; round < 8; round++)
        {
            cancellation.ThrowIfCancellationRequested();
            var written = writtenPosition();
            if (written == file.CopiedUpTo || written - file.CopiedUpTo < catchUpSlack)
            {
                return;
            }

            CopyRange(oldLog.Handle, file.CopiedUpTo - oldLog.Origin, written - file.CopiedUpTo, file);
            file.CopiedUpTo = written;
        }
    }

    /// <summary>Appends <paramref name="count"/> bytes of <paramref name="source"/> from <paramref name="offset"/> to the copy.</summary>
    public static void CopyRange(SafeFileHandle source, long offset, long count, CompactedFile destination)
    {
        if (count <= 0)
        {
            return;
        }

        var chunk = ArrayPool<byte>.Shared.Rent((int)Math.Min(CopyChunk, count));
        try
        {
            while (count > 0)
            {
                var read = RandomAccess.Read(source, chunk.AsSpan(0, (int)Math.Min(chunk.Length, count)), offset);
                if (read == 0)
                {
                    throw new IOException($"The log ended {count} bytes before the position being copied: it changed under the compaction.");
                }

                RandomAccess.Write(destination.Handle, chunk.AsSpan(0, read), destination.Length);
                destination.Length += read;
                offset += read;
                count -= read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }
}
