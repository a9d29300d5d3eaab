using Kv.Storage.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Kv.Storage.Persistence;

/// <summary>
/// The data directory and the durability of its entries: created with its parents flushed and only its owner let in (<see cref="FilePermissions"/>), locked for one server at a
/// time, cleared of a compaction's leftover, and given a log made whole before it gets its name.
/// </summary>
internal sealed class DataDirectory : IDisposable
{
    /// <summary>The log's file name in the data directory.</summary>
    public const string LogFileName = "kv.log";

    /// <summary>A log being made (a new one, or a compacted one); left over only by a crash, and removed at start.</summary>
    public const string TempFileName = "kv.log.tmp";

    /// <summary>Held locked while a server uses the directory.</summary>
    public const string LockFileName = "kv.lock";

    private readonly SafeFileHandle _lock;

    private DataDirectory(string path, SafeFileHandle lockFile)
    {
        Path = path;
        _lock = lockFile;
    }

    /// <summary>The directory's full path.</summary>
    public string Path { get; }

    /// <summary>The log file's full path.</summary>
    public string LogPath => System.IO.Path.Combine(Path, LogFileName);

    /// <summary>The temporary file's full path.</summary>
    public string TempPath => System.IO.Path.Combine(Path, TempFileName);

    /// <summary>
    /// Creates the directory if missing (durably), locks it, removes a compaction's leftover, and creates an empty log if
    /// there is none. The directory stays locked until <see cref="Dispose"/>.
    /// </summary>
    /// <exception cref="IOException">The directory is in use by another server, or cannot be used.</exception>
    public static DataDirectory Open(string directory, ILogger logger)
    {
        var path = System.IO.Path.GetFullPath(directory);
        CreateDurably(path, logger);
        var data = new DataDirectory(path, Lock(path, logger));
        try
        {
            if (File.Exists(data.TempPath))
            {
                // A crash during compaction (or creation): the log itself is intact; the half-made copy is not needed.
                File.Delete(data.TempPath);
                StorageLog.LeftoverRemoved(logger, data.TempPath);
            }

            if (!File.Exists(data.LogPath))
            {
                data.CreateEmptyLog();
                StorageLog.LogCreated(logger, data.LogPath);
            }

            return data;
        }
        catch
        {
            data.Dispose();
            throw;
        }
    }

    /// <summary>Flushes the directory's entries (after a rename in it).</summary>
    public void Sync() => FileSync.SyncDirectory(Path);

    /// <summary>Deletes the temporary file if it is there; a failure is left for the next start to clean.</summary>
    public void TryDeleteTemp()
    {
        try
        {
            File.Delete(TempPath);
        }
        catch (IOException)
        {
            // Removed at the next start.
        }
    }

    /// <summary>Unlocks the directory.</summary>
    public void Dispose() => _lock.Dispose();

    // Creates the data directory (and any missing parents) and flushes the parent of each new entry and the data
    // directory's own parent, so that a machine crash cannot take the whole directory, log and all, after writes to it
    // were acknowledged; the latter every time, since a crash may have come between an earlier creation and its flush. A
    // parent that cannot be flushed (not readable by this user, say) is a warning, not a refusal to start.
    private static void CreateDurably(string directory, ILogger logger)
    {
        var missing = new List<string>();
        for (var d = directory; d is not null && !Directory.Exists(d); d = System.IO.Path.GetDirectoryName(d))
        {
            missing.Add(d);
        }

        try
        {
            FilePermissions.CreateDirectory(directory, logger);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"The data directory {directory} cannot be created: {e.Message}", e);
        }

        var parents = missing.Select(System.IO.Path.GetDirectoryName).Append(System.IO.Path.GetDirectoryName(directory)).OfType<string>().Distinct();
        foreach (var parent in parents.Reverse())
        {
            try
            {
                FileSync.SyncDirectory(parent);
            }
            catch (IOException e)
            {
                StorageLog.DirectorySyncFailed(logger, parent, e.Message);
            }
        }
    }

    private static SafeFileHandle Lock(string directory, ILogger logger)
    {
        var path = System.IO.Path.Combine(directory, LockFileName);
        try
        {
            // FileShare.None is an exclusive advisory lock (flock) on Unix; the kernel drops it if the process dies.
            var created = !File.Exists(path);
            var handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            try
            {
                FilePermissions.OwnerOnly(handle, path, created, logger);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                handle.Dispose();
                throw new UnauthorizedAccessException($"The permissions of {path} cannot be set to 0600: {e.Message}", e);
            }

            return handle;
        }
        catch (IOException e)
        {
            throw new IOException($"The data directory {directory} is in use by another Kv server ({path} is locked).", e);
        }
    }

    // A new log is made whole in the temporary file and renamed into place, so that a log file with a partial header
    // never exists.
    private void CreateEmptyLog()
    {
        using (var handle = File.OpenHandle(TempPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None))
        {
            FilePermissions.OwnerOnly(handle, TempPath, created: true, logger: null);
            Span<byte> header = stackalloc byte[LogFormat.FileHeaderSize];
            LogFormat.WriteFileHeader(header);
            RandomAccess.Write(handle, header, 0);
            FileSync.SyncData(handle);
        }

        File.Move(TempPath, LogPath);
        Sync();
    }
}
