using System.Net;
using Microsoft.Extensions.Logging;

namespace Kv.Server.Diagnostics;

/// <summary>The server's log messages, source-generated, with stable event ids.</summary>
internal static partial class ServerLog
{
    [LoggerMessage(1, LogLevel.Information, "Kv server listening on {EndPoint}")]
    public static partial void Listening(ILogger logger, EndPoint endPoint);

    [LoggerMessage(2, LogLevel.Information, "Shutting down: no new connections; finishing {Count} open connection(s)")]
    public static partial void ShuttingDown(ILogger logger, int count);

    [LoggerMessage(3, LogLevel.Information, "Stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(4, LogLevel.Warning, "{Count} connection(s) did not finish within the shutdown timeout and were closed")]
    public static partial void ShutdownTimedOut(ILogger logger, int count);

    [LoggerMessage(10, LogLevel.Debug, "Connection {ConnectionId} from {RemoteEndPoint} accepted")]
    public static partial void ConnectionAccepted(ILogger logger, long connectionId, EndPoint? remoteEndPoint);

    [LoggerMessage(11, LogLevel.Debug, "Connection {ConnectionId} closed after {Requests} request(s)")]
    public static partial void ConnectionClosed(ILogger logger, long connectionId, long requests);

    [LoggerMessage(12, LogLevel.Warning, "Connection refused: {MaxConnections} connections already open (--max-connections)")]
    public static partial void ConnectionRefused(ILogger logger, int maxConnections);

    [LoggerMessage(13, LogLevel.Information, "Connection {ConnectionId} closed: idle for longer than {IdleTimeout}")]
    public static partial void IdleTimeout(ILogger logger, long connectionId, TimeSpan idleTimeout);

    [LoggerMessage(14, LogLevel.Warning, "Connection {ConnectionId} sent a bad frame: {Error}; answered with an error and closed")]
    public static partial void BadFrameClosed(ILogger logger, long connectionId, string error);

    [LoggerMessage(15, LogLevel.Information, "Connection {ConnectionId} sent a bad frame: {Error}; answered with an error, connection kept")]
    public static partial void BadFrameSkipped(ILogger logger, long connectionId, string error);

    [LoggerMessage(16, LogLevel.Information, "Connection {ConnectionId} closed by the client in the middle of a frame ({Bytes} byte(s) dropped)")]
    public static partial void ClosedMidFrame(ILogger logger, long connectionId, int bytes);

    [LoggerMessage(17, LogLevel.Debug, "Connection {ConnectionId} ended by a socket error: {SocketError}")]
    public static partial void SocketFailed(ILogger logger, long connectionId, System.Net.Sockets.SocketError socketError);

    [LoggerMessage(18, LogLevel.Error, "Connection {ConnectionId} failed unexpectedly")]
    public static partial void ConnectionFailed(ILogger logger, long connectionId, Exception exception);

    [LoggerMessage(40, LogLevel.Warning, "Could not flush directory {Directory} to disk ({Reason}): a crash of the machine may lose the data directory's entry")]
    public static partial void DirectorySyncFailed(ILogger logger, string directory, string reason);

    [LoggerMessage(21, LogLevel.Debug, "A connection was closed by its client before it was accepted ({Error})")]
    public static partial void AcceptAborted(ILogger logger, System.Net.Sockets.SocketError error);

    [LoggerMessage(20, LogLevel.Error, "Accepting a connection failed; retrying")]
    public static partial void AcceptFailed(ILogger logger, Exception exception);

    [LoggerMessage(19, LogLevel.Warning, "Connection {ConnectionId} closed without sending its responses: the log failed, so nothing more is acknowledged")]
    public static partial void ClosedOnLogFailure(ILogger logger, long connectionId);

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

    [LoggerMessage(38, LogLevel.Critical, "Stopping: the log failed (see above)")]
    public static partial void StoppingOnLogFailure(ILogger logger);

    [LoggerMessage(39, LogLevel.Information, "Log closed: {Bytes} bytes appended in {Writes} write(s) and {Syncs} fsync(s) since start; {Compactions} compaction(s)")]
    public static partial void LogClosed(ILogger logger, long bytes, long writes, long syncs, long compactions);
}
