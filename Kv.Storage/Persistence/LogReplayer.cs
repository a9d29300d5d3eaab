using System.Buffers;
using System.Diagnostics;
using Microsoft.Win32.SafeHandles;

namespace Kv.Storage.Persistence;

/// <summary>What a replay found.</summary>
/// <param name="Records">Records applied to the store.</param>
/// <param name="ValidLength">The length of the log's valid part: where appending goes on.</param>
/// <param name="TornBytes">Bytes of a torn tail that follow <paramref name="ValidLength"/> (0 when none).</param>
/// <param name="Elapsed">How long the replay took.</param>
public readonly record struct ReplayResult(long Records, long ValidLength, long TornBytes, TimeSpan Elapsed);

/// <summary>
/// Reads a log from its start and applies every record to a store. A torn tail (a crash in the middle of a write)
/// is reported for truncation; damage with valid records after it stops the replay with
/// <see cref="LogCorruptionException"/>, since truncating there would silently lose acknowledged writes.
/// </summary>
internal static class LogReplayer
{
    private const int ChunkSize = 1024 * 1024;
    private const int ReadBufferSize = 1024 * 1024;

    /// <summary>Replays the log at <paramref name="path"/> into <paramref name="store"/>; does not change the file.</summary>
    /// <param name="file">The log, open; its length is the replay's end.</param>
    /// <param name="path">The log's path, for a reading stream of its own and for messages.</param>
    /// <param name="store">Where the records go.</param>
    /// <exception cref="LogCorruptionException">The log cannot be replayed as it is.</exception>
    public static ReplayResult Replay(SafeFileHandle file, string path, MemoryStore store)
    {
        store.Replaying = true;
        try
        {
            return ReplayRecords(file, path, store);
        }
        finally
        {
            store.Replaying = false;
        }
    }

    private static ReplayResult ReplayRecords(SafeFileHandle file, string path, MemoryStore store)
    {
        var stopwatch = Stopwatch.StartNew();
        var length = RandomAccess.GetLength(file);
        Span<byte> header = stackalloc byte[LogFormat.FileHeaderSize];
        var headerLength = ReadFully(file, header, 0);
        if (LogRecordReader.CheckFileHeader(header.Slice(0, headerLength)) is { } problem)
        {
            throw new LogCorruptionException(path, 0,
                $"The log {path} cannot be read: {problem}. Move it away (or restore the data directory from a backup) to start.");
        }

        // Records are read in order through a buffered stream: a record's header, then its payload into a pooled array
        // large enough for it.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, ReadBufferSize);
        stream.Position = LogFormat.FileHeaderSize;
        var record = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            long records = 0;
            long offset = LogFormat.FileHeaderSize;
            while (true)
            {
                var headerRead = stream.ReadAtLeast(record.AsSpan(0, LogFormat.RecordHeaderSize), LogFormat.RecordHeaderSize, throwOnEndOfStream: false);
                if (headerRead == 0 || offset == length)
                {
                    return new ReplayResult(records, offset, length - offset, stopwatch.Elapsed);
                }

                var status = LogRecordReader.TryRead(record.AsSpan(0, headerRead), out _, out var size);
                if (status == LogReadStatus.NeedMoreData && headerRead == LogFormat.RecordHeaderSize)
                {
                    if (offset + size > length)
                    {
                        // The header is whole and checked, and says the record runs past the end: torn.
                        return new ReplayResult(records, offset, length - offset, stopwatch.Elapsed);
                    }

                    if (size > record.Length)
                    {
                        var larger = ArrayPool<byte>.Shared.Rent(size);
                        record.AsSpan(0, LogFormat.RecordHeaderSize).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(record);
                        record = larger;
                    }

                    stream.ReadExactly(record.AsSpan(LogFormat.RecordHeaderSize, size - LogFormat.RecordHeaderSize));
                    status = LogRecordReader.TryRead(record.AsSpan(0, size), out var decoded, out size);
                    if (status == LogReadStatus.Complete)
                    {
                        Apply(store, decoded);
                        records++;
                        offset += size;
                        continue;
                    }
                }

                switch (status)
                {
                    case LogReadStatus.NeedMoreData:
                        // The file ends inside a record's header: torn.
                        return new ReplayResult(records, offset, length - offset, stopwatch.Elapsed);

                    case LogReadStatus.Malformed:
                        throw new LogCorruptionException(path, offset,
                            $"The log {path} has a record at offset {offset} whose checksums hold but whose content is not a valid record " +
                            $"(written by a newer Kv, or not by Kv). {Recovery(path, offset)}");

                    default:
                        // A bad payload under a sound header has a known extent; a bad header has none.
                        var next = FindValidRecord(file, status == LogReadStatus.BadChecksum ? offset + size : offset + 1, length);
                        if (next < 0)
                        {
                            // Nothing valid follows the damage: the write that a crash interrupted. Drop it.
                            return new ReplayResult(records, offset, length - offset, stopwatch.Elapsed);
                        }

                        var what = status == LogReadStatus.BadHeader ? "its length fails its checksum" : "its payload fails its checksum";
                        throw new LogCorruptionException(path, offset,
                            $"The log {path} is damaged at offset {offset} ({what}), and a valid record follows at offset {next}, " +
                            $"so this is not a write torn by a crash: the server will not start on it. {Recovery(path, offset)}");
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(record);
        }
    }

    private static string Recovery(string path, long offset) =>
        $"To recover, either keep the {offset} bytes before the damage and lose every record from there on: " +
        $"truncate -s {offset} '{path}' (after copying the file somewhere safe), or restore the data directory from a backup.";

    // Expiry times are absolute: a key whose time passed while the server was down is removed once the replay is over.
    private static void Apply(MemoryStore store, in LogRecord record)
    {
        switch (record.Operation)
        {
            case LogOperation.Set:
                store.Set(record.Key, record.Value);
                break;
            case LogOperation.SetExpiring:
                ThrowIfOutOfMemory(store.Set<object?>(record.Key, record.Value, SetCondition.Always, KeyExpiry.At(record.ExpiresAt), null, null));
                break;
            case LogOperation.Expire when record.ExpiresAt == 0:
                ThrowIfOutOfMemory(store.Persist(record.Key));
                break;
            case LogOperation.Expire:
                ThrowIfOutOfMemory(store.Expire(record.Key, KeyExpiry.At(record.ExpiresAt)));
                break;
            default:
                store.Remove(record.Key);
                break;
        }
    }

    private static void ThrowIfOutOfMemory(ExpireStatus status)
    {
        if (status == ExpireStatus.OutOfMemory)
        {
            throw new StoreOutOfMemoryException("out of memory: replaying the log needs more memory than the store's limit allows");
        }
    }

    private static void ThrowIfOutOfMemory(SetResult result)
    {
        if (result.Status == SetStatus.OutOfMemory)
        {
            // As Set does for a record without an expiry: a log that does not fit the store's limit stops the start-up.
            throw new StoreOutOfMemoryException($"out of memory: replaying the log needs {result.Needed:N0} bytes more than the store's memory limit allows");
        }
    }

    /// <summary>
    /// The offset of the first whole, valid record that starts at or after <paramref name="from"/>, or -1. A torn tail
    /// has none after it; damage in the middle of the log does. Only runs on damage, so a byte-by-byte scan is fine.
    /// </summary>
    internal static long FindValidRecord(SafeFileHandle file, long from, long length)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            var position = from;
            while (length - position >= LogFormat.RecordHeaderSize)
            {
                var count = ReadFully(file, buffer.AsSpan(0, (int)Math.Min(buffer.Length, length - position)), position);
                var last = count - LogFormat.RecordHeaderSize;
                for (var i = 0; i <= last; i++)
                {
                    var candidate = buffer.AsSpan(i, count - i);
                    var status = LogRecordReader.TryRead(candidate, out _, out var size);
                    if (status == LogReadStatus.Complete)
                    {
                        return position + i;
                    }

                    if (status == LogReadStatus.NeedMoreData && size > candidate.Length && position + i + size <= length)
                    {
                        // A header that checks out, for a record longer than what is buffered: read it whole.
                        var whole = new byte[size];
                        ReadFully(file, whole, position + i);
                        if (LogRecordReader.TryRead(whole, out _, out _) == LogReadStatus.Complete)
                        {
                            return position + i;
                        }
                    }
                }

                position += last + 1;
            }

            return -1;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static int ReadFully(SafeFileHandle file, Span<byte> destination, long offset)
    {
        var total = 0;
        while (total < destination.Length)
        {
            var read = RandomAccess.Read(file, destination.Slice(total), offset + total);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }
}
