using Microsoft.Extensions.Logging;

namespace Kv.Client.Internal;

/// <summary>The client's log messages (category <c>Kv.Client</c>), source-generated, with stable event ids.</summary>
internal static partial class ClientLog
{
    [LoggerMessage(1, LogLevel.Information, "Connected to Kv server {EndPoint} ({RemoteEndPoint})")]
    public static partial void Connected(ILogger logger, string endPoint, string? remoteEndPoint);

    [LoggerMessage(2, LogLevel.Warning, "Connecting to Kv server {EndPoint} failed (attempt {Attempt}): {Reason}; next attempt in {Delay}")]
    public static partial void ConnectFailed(ILogger logger, string endPoint, int attempt, string reason, TimeSpan delay);

    [LoggerMessage(3, LogLevel.Warning, "Disconnected from Kv server {EndPoint}: {Reason}; {InFlight} request(s) in flight failed")]
    public static partial void Disconnected(ILogger logger, string endPoint, string reason, int inFlight);

    [LoggerMessage(4, LogLevel.Error, "The Kv server {EndPoint} broke the protocol: {Reason}; connection closed, {InFlight} request(s) in flight failed")]
    public static partial void ProtocolViolation(ILogger logger, string endPoint, string reason, int inFlight);

    [LoggerMessage(5, LogLevel.Information, "Reconnecting to Kv server {EndPoint} (attempt {Attempt})")]
    public static partial void Reconnecting(ILogger logger, string endPoint, int attempt);

    [LoggerMessage(6, LogLevel.Information, "Reconnected to Kv server {EndPoint} after {Attempts} attempt(s)")]
    public static partial void Reconnected(ILogger logger, string endPoint, int attempts);

    [LoggerMessage(7, LogLevel.Debug, "Connection to Kv server {EndPoint} closed by the client; {InFlight} request(s) in flight failed")]
    public static partial void Closed(ILogger logger, string endPoint, int inFlight);

    [LoggerMessage(8, LogLevel.Debug, "{Count} request(s) to Kv server {EndPoint} timed out after {Timeout}; their responses will be dropped")]
    public static partial void RequestsTimedOut(ILogger logger, string endPoint, int count, TimeSpan timeout);
}
