using System.Net;
using Kv.Client.Internal;
using Kv.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kv.Client;

/// <summary>The shared connection: opened on first use, reopened with back-off after it is lost.</summary>
public sealed partial class KvClient
{
    /// <summary>
    /// The open connection, or the result of the one shared reconnection attempt that callers join: the first caller
    /// to find the connection gone starts it, the others wait for the same attempt.
    /// </summary>
    private Task<ClientConnection> GetConnectionAsync(CancellationToken cancellationToken)
    {
        Task<ClientConnection> attempt;
        lock (_stateLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var connection = _connection;
            if (connection is not null && connection.IsOpen)
            {
                return Task.FromResult(connection);
            }

            if (_authenticationFailure is { } refused)
            {
                return Task.FromException<ClientConnection>(refused.Repeat());
            }

            if (_tlsFailure is { } handshake)
            {
                return Task.FromException<ClientConnection>(handshake.Repeat());
            }

            if (_reconnection is null || _reconnection.IsCompleted)
            {
                _reconnection = ReconnectAsync();
            }

            attempt = _reconnection;
        }

        return attempt.WaitAsync(cancellationToken);
    }

    private async Task<ClientConnection> ReconnectAsync()
    {
        // Run outside the caller's lock.
        await Task.Yield();
        int attempt;
        long wait;
        lock (_stateLock)
        {
            attempt = _failedAttempts + 1;
            wait = _nextAttemptAt - Environment.TickCount64;
        }

        ClientLog.Reconnecting(_logger, _options.EndPoint, attempt);
        try
        {
            if (wait > 0)
            {
                // Back off after a failed attempt; the first attempt after a lost connection goes at once.
                await Task.Delay(TimeSpan.FromMilliseconds(wait), _disposing.Token).ConfigureAwait(false);
            }

            var connection = await ClientConnection.ConnectAsync(_options, _endPoint, _logger, _disposing.Token).ConfigureAwait(false);
            lock (_stateLock)
            {
                if (!_disposed)
                {
                    _connection = connection;
                    _failedAttempts = 0;
                    _nextAttemptAt = 0;
                    ClientLog.Reconnected(_logger, _options.EndPoint, attempt);
                    return connection;
                }
            }

            connection.Abort(ConnectionFailure.Disposed());
            throw new ObjectDisposedException(nameof(KvClient));
        }
        catch (Exception e) when (e is not ObjectDisposedException && !_disposing.IsCancellationRequested)
        {
            TimeSpan delay;
            lock (_stateLock)
            {
                if (e is KvAuthenticationException refused)
                {
                    _authenticationFailure = refused;
                }
                else if (e is KvTlsException handshake)
                {
                    _tlsFailure = handshake;
                }

                _failedAttempts = attempt;
                delay = BackoffDelay(attempt);
                _nextAttemptAt = Environment.TickCount64 + (long)delay.TotalMilliseconds;
            }

            ClientLog.ConnectFailed(_logger, _options.EndPoint, attempt, e.Message, delay);
            throw;
        }
        catch (OperationCanceledException) when (_disposing.IsCancellationRequested)
        {
            throw new ObjectDisposedException(nameof(KvClient), "The Kv client was disposed while reconnecting.");
        }
    }

    private TimeSpan BackoffDelay(int failedAttempts)
    {
        var delay = _options.ReconnectMinDelay.TotalMilliseconds * Math.Pow(2, Math.Min(failedAttempts - 1, 30));
        delay = Math.Min(delay, _options.ReconnectMaxDelay.TotalMilliseconds);
        delay *= 1 - (_options.ReconnectJitter * Random.Shared.NextDouble());
        return TimeSpan.FromMilliseconds(Math.Round(delay));
    }
}
