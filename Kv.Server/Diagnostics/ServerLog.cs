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

    [LoggerMessage(12, LogLevel.Warning, "Connection refused: {MaxConnections} connections already open (--max-connections); {Suppressed} more refused since the last such line (logged at most every {IntervalSeconds} s)")]
    public static partial void ConnectionRefused(ILogger logger, int maxConnections, long suppressed, int intervalSeconds);

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


    [LoggerMessage(21, LogLevel.Debug, "A connection was closed by its client before it was accepted ({Error})")]
    public static partial void AcceptAborted(ILogger logger, System.Net.Sockets.SocketError error);

    [LoggerMessage(20, LogLevel.Error, "Accepting a connection failed ({Reason}); accepting pauses for {PauseMilliseconds} ms; {Suppressed} more such failures since the last such line (logged at most every {IntervalSeconds} s)")]
    public static partial void AcceptFailed(ILogger logger, string reason, int pauseMilliseconds, long suppressed, int intervalSeconds);

    [LoggerMessage(19, LogLevel.Warning, "Connection {ConnectionId} closed without sending its responses: the log failed, so nothing more is acknowledged")]
    public static partial void ClosedOnLogFailure(ILogger logger, long connectionId);









    [LoggerMessage(38, LogLevel.Critical, "Stopping: the log failed (see above)")]
    public static partial void StoppingOnLogFailure(ILogger logger);


    [LoggerMessage(22, LogLevel.Debug, "Connection {ConnectionId} ended: {Operation} failed with errno {Error}")]
    public static partial void ConnectionSystemCallFailed(ILogger logger, long connectionId, string operation, int error);

    [LoggerMessage(23, LogLevel.Critical, "Event loop {Loop} failed; its connections are lost")]
    public static partial void EventLoopFailed(ILogger logger, int loop, Exception exception);

    [LoggerMessage(24, LogLevel.Error, "Accepting a connection failed with errno {Error} ({Reason}); accepting pauses for {PauseMilliseconds} ms; {Suppressed} more such failures since the last such line (logged at most every {IntervalSeconds} s)")]
    public static partial void AcceptPaused(ILogger logger, int error, string reason, int pauseMilliseconds, long suppressed, int intervalSeconds);

    [LoggerMessage(27, LogLevel.Warning, "Connection {ConnectionId}: a response was answered ERROR OutOfMemory instead: {Reason}; {Suppressed} more out-of-memory answers since the last such line (logged at most every {IntervalSeconds} s)")]
    public static partial void ResponseOutOfMemory(ILogger logger, long connectionId, string reason, long suppressed, int intervalSeconds);

    [LoggerMessage(28, LogLevel.Warning, "Connection {ConnectionId}: {Reason}; {Suppressed} more out-of-memory answers since the last such line (logged at most every {IntervalSeconds} s)")]
    public static partial void FrameOutOfMemory(ILogger logger, long connectionId, string reason, long suppressed, int intervalSeconds);

    [LoggerMessage(29, LogLevel.Warning, "Connection {ConnectionId} closed: {Bytes} bytes of responses held for it passed the client output limit of {Limit} (--client-output-limit)")]
    public static partial void ClientOutputLimit(ILogger logger, long connectionId, long bytes, long limit);

    [LoggerMessage(25, LogLevel.Information, "Raised the file descriptor limit (RLIMIT_NOFILE) from {From} to {To} to fit --max-connections")]
    public static partial void DescriptorLimitRaised(ILogger logger, ulong from, ulong to);

    [LoggerMessage(26, LogLevel.Warning, "--max-connections lowered from {Requested} to {Fitting}: the file descriptor limit is {Limit} and the server keeps {Reserve} for itself; raise the limit to {Wanted} (ulimit -n, or LimitNOFILE in systemd) to serve {Requested}")]
    public static partial void MaxConnectionsLowered(ILogger logger, int requested, int fitting, ulong limit, int reserve, ulong wanted);

    [LoggerMessage(40, LogLevel.Warning, "Connection {ConnectionId} from {RemoteEndPoint}: authentication failed for user '{User}' ({Failures} of {MaxFailures} failures allowed on a connection)")]
    public static partial void AuthenticationFailed(ILogger logger, long connectionId, EndPoint? remoteEndPoint, string user, int failures, int maxFailures);

    [LoggerMessage(41, LogLevel.Warning, "Connection {ConnectionId} from {RemoteEndPoint} closed after {Failures} failed authentications")]
    public static partial void TooManyAuthenticationFailures(ILogger logger, long connectionId, EndPoint? remoteEndPoint, int failures);

    [LoggerMessage(42, LogLevel.Debug, "Connection {ConnectionId} authenticated as user '{User}' ({Permission})")]
    public static partial void Authenticated(ILogger logger, long connectionId, string user, string permission);

    [LoggerMessage(43, LogLevel.Information, "Connection {ConnectionId} from {RemoteEndPoint} sent protocol version 0 while authentication is on; told to use version 1 with AUTH and closed")]
    public static partial void Version0Refused(ILogger logger, long connectionId, EndPoint? remoteEndPoint);

    [LoggerMessage(44, LogLevel.Warning, "Listening on {Address} without authentication (--unprotected): anyone who can reach this port can read, change and delete every key")]
    public static partial void Unprotected(ILogger logger, IPAddress address);

    [LoggerMessage(45, LogLevel.Information, "Authentication is on: {Count} user(s) ({Source})")]
    public static partial void AuthenticationOn(ILogger logger, int count, string source);

    [LoggerMessage(46, LogLevel.Information, "Listening for TLS on {EndPoint}")]
    public static partial void ListeningTls(ILogger logger, EndPoint endPoint);

    [LoggerMessage(47, LogLevel.Information, "Connection {ConnectionId} from {RemoteEndPoint}: TLS handshake failed ({Reason}); closed. {Suppressed} more failed or timed-out handshakes since the last such line (logged at most every {IntervalSeconds} s)")]
    public static partial void TlsHandshakeFailed(ILogger logger, long connectionId, EndPoint? remoteEndPoint, string reason, long suppressed, int intervalSeconds);

    [LoggerMessage(48, LogLevel.Information, "Connection {ConnectionId} from {RemoteEndPoint}: TLS handshake not finished within {Timeout}; closed. {Suppressed} more failed or timed-out handshakes since the last such line (logged at most every {IntervalSeconds} s)")]
    public static partial void TlsHandshakeTimedOut(ILogger logger, long connectionId, EndPoint? remoteEndPoint, TimeSpan timeout, long suppressed, int intervalSeconds);

    [LoggerMessage(49, LogLevel.Debug, "Connection {ConnectionId}: TLS handshake done ({Protocol}, {Cipher})")]
    public static partial void TlsHandshakeDone(ILogger logger, long connectionId, System.Security.Authentication.SslProtocols protocol, System.Net.Security.TlsCipherSuite cipher);

    [LoggerMessage(50, LogLevel.Information, "TLS certificate loaded: {Subject}, valid from {NotBefore:u} to {NotAfter:u} ({Source})")]
    public static partial void TlsCertificateLoaded(ILogger logger, string subject, DateTime notBefore, DateTime notAfter, string source);

    [LoggerMessage(51, LogLevel.Warning, "The TLS certificate {Subject} is not valid now (valid from {NotBefore:u} to {NotAfter:u}): validating clients will refuse it")]
    public static partial void TlsCertificateNotValidNow(ILogger logger, string subject, DateTime notBefore, DateTime notAfter);

    [LoggerMessage(52, LogLevel.Error, "TLS certificate reload failed, the previous certificate is kept: {Reason}")]
    public static partial void TlsReloadFailed(ILogger logger, string reason);

    [LoggerMessage(53, LogLevel.Debug, "Connection {ConnectionId} ended by a TLS error: {Reason}")]
    public static partial void TlsSessionFailed(ILogger logger, long connectionId, string reason);

    [LoggerMessage(54, LogLevel.Debug, "Connection {ConnectionId} authenticated as user '{User}' ({Permission}) by its TLS client certificate")]
    public static partial void AuthenticatedByCertificate(ILogger logger, long connectionId, string user, string permission);

    [LoggerMessage(55, LogLevel.Information, "Connection {ConnectionId}: its TLS client certificate's common name '{CommonName}' is no user's; it must AUTH")]
    public static partial void CertificateNamesNoUser(ILogger logger, long connectionId, string commonName);
}
