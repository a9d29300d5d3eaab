using Microsoft.Extensions.Logging;

namespace Kv.Storage.Diagnostics;

/// <summary>The storage engine's log messages (the append-only log's), source-generated, with stable event ids.</summary>
internal static partial class StorageLog
{
    [LoggerMessage(30, LogLevel.Information, "Replayed {Records} record(s) from {Path} ({Bytes} bytes, {Keys} key(s)) in {ElapsedMilliseconds} ms; fsync policy {Policy}")]
    public static partial void Replayed(ILogger logger, long records, string path, long bytes, long keys, long elapsedMilliseconds, string policy);

    [LoggerMessage(31, LogLevel.Warning, "The log {Path} ended in a torn record at offset {Offset} (a crash interrupted a write): {Bytes} byte(s) dropped, and the file truncated there")]
    public static partial void TornTailTruncated(ILogger logger, string path, long offset, long bytes);

    [LoggerMessage(32, LogLevel.Information, "Created a new, empty log at {Path}")]
    public static partial void LogCreated(ILogger logger, string path);

    [LoggerMessage(33, LogLevel.Warning, "Removed {Path}, left by a compaction that a crash interrupted (the log itself is intact)")]
    public static partial void LeftoverRemoved(ILogger logger, string path);

    [LoggerMessage(34, LogLevel.Critical, "Writing or flushing the log {Path} failed: nothing more is acknowledged (connections waiting for an answer are closed without one) and the server stops. Fix the cause (disk full? failing disk?) and restart: the log replays to what is on disk")]
    public static partial void LogFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(35, LogLevel.Information, "Compaction started: the log is {LogBytes} bytes for {LiveBytes} bytes of live data in {Keys} key(s)")]
    public static partial void CompactionStarted(ILogger logger, long logBytes, long liveBytes, long keys);

    [LoggerMessage(36, LogLevel.Information, "Compaction done: the log went from {OldBytes} to {NewBytes} bytes in {ElapsedMilliseconds} ms; appends were held for {PauseMilliseconds} ms at the switch")]
    public static partial void CompactionDone(ILogger logger, long oldBytes, long newBytes, long elapsedMilliseconds, long pauseMilliseconds);

    [LoggerMessage(37, LogLevel.Error, "Compaction failed; the current log is kept and compaction is tried again later")]
    public static partial void CompactionFailed(ILogger logger, Exception exception);

    [LoggerMessage(39, LogLevel.Information, "Log closed: {Bytes} bytes appended in {Writes} write(s) and {Syncs} fsync(s) since start; {Compactions} compaction(s)")]
    public static partial void LogClosed(ILogger logger, long bytes, long writes, long syncs, long compactions);

    [LoggerMessage(40, LogLevel.Warning, "Could not flush directory {Directory} to disk ({Reason}): a crash of the machine may lose the data directory's entry")]
    public static partial void DirectorySyncFailed(ILogger logger, string directory, string reason);

    [LoggerMessage(41, LogLevel.Error, "The disk is full: the log {Path} cannot be written ({Reason}). Writes are refused (reads go on) until space is freed; the {Bytes} byte(s) not yet written are kept and retried every {RetryMilliseconds} ms")]
    public static partial void DiskFull(ILogger logger, string path, string reason, long bytes, int retryMilliseconds);

    [LoggerMessage(42, LogLevel.Warning, "The log {Path} is written again after {Milliseconds} ms of a full disk: writes are accepted")]
    public static partial void DiskFullOver(ILogger logger, string path, long milliseconds);

    [LoggerMessage(43, LogLevel.Critical, "Closing with a full disk: {Bytes} byte(s) of writes could not be written to the log {Path} and are lost (none of them was acknowledged)")]
    public static partial void UnwrittenAtClose(ILogger logger, string path, long bytes);

    [LoggerMessage(44, LogLevel.Information, "Tightened the permissions of {Path} to {Mode}: the data is readable by its owner only")]
    public static partial void PermissionsTightened(ILogger logger, string path, string mode);

    [LoggerMessage(46, LogLevel.Warning, "The data directory {Path} is open to others (mode {Mode}); its files are 0600, but chmod 700 it to keep even their names private")]
    public static partial void DirectoryOpenToOthers(ILogger logger, string path, string mode);

    [LoggerMessage(45, LogLevel.Warning, "Compaction postponed: it needs about {LiveBytes} bytes and the disk has {FreeBytes} free")]
    public static partial void CompactionPostponed(ILogger logger, long liveBytes, long freeBytes);

    [LoggerMessage(47, LogLevel.Information, "Upgraded the log {Path} from format version {From} to {To} (its 16-byte header): it may now hold expiry records, which a server older than expiry cannot read")]
    public static partial void LogFormatUpgraded(ILogger logger, string path, uint from, uint to);
}
