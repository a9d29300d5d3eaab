using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Kv.Protocol;
using Kv.Server.Diagnostics;
using Kv.Server.Security;

namespace Kv.Server.Networking;

/// <summary>
/// Authentication and permissions (docs/security.md): with users (<c>--users</c>, <c>--password</c>), a connection starts
/// unauthenticated and may run AUTH and PING only; a successful AUTH gives it its user's permission as a bit mask, which
/// <see cref="Process"/> checks with one AND per request. Without users the mask allows everything, and nothing here runs.
/// </summary>
internal sealed partial class FrameProcessor
{
    internal static readonly byte[] NotAuthenticatedMessage = "not authenticated: this server requires AUTH (protocol version 1) before any command but PING"u8.ToArray();

    internal static readonly byte[] AuthenticationFailedMessage = "authentication failed"u8.ToArray();

    internal static readonly byte[] Version0Refused =
        "authentication is on and protocol version 0 cannot authenticate: use protocol version 1 with AUTH (see docs/security.md)"u8.ToArray();

    private readonly UserDirectory? _users;
    private readonly Func<EndPoint?>? _peer;

    // A bit per command number (Permissions): what the connection may run without the slow path. Never AUTH's bit when
    // there are users, so that every AUTH is checked.
    private ulong _allowed;
    private UserDirectory.User? _user;
    private int _authFailures;
    private PendingAuth? _pendingAuth;

    private enum GuardOutcome
    {
        Answered,
        Paused,
        Close,
    }

    /// <summary>
    /// After <see cref="BatchOutcome.Paused"/>: completes when the AUTH being checked has its answer (and, for a failure,
    /// its delay has passed); the transport then calls <see cref="Process"/> again, which writes the answer.
    /// </summary>
    public Task Paused => _pendingAuth?.Result ?? Task.CompletedTask;

    /// <summary>The user the connection authenticated as, or null.</summary>
    public string? UserName => _user?.Name;

    // A command whose bit is not set: AUTH, PING before authentication, a version-0 frame before it, or a command the
    // user's permission does not allow.
    private GuardOutcome Guard(in CommandView command)
    {
        if (_users is null)
        {
            // Every bit is set without users; the mask covers the whole table.
            throw new InvalidOperationException($"Command {command.Kind} is not allowed on a server without authentication.");
        }

        try
        {
            if (command.Version == ProtocolVersion.V0 && _user is null)
            {
                // Only before authentication (afterwards the user's bits let version 0 through): version 0 has no AUTH, and
                // nothing it could send next would be served, so it is told why and closed.
                ResponseEncoder.Encode(_output, ProtocolVersion.V0, ResponseStatus.Error, 0, Version0Refused);
                ServerLog.Version0Refused(_logger, _connectionId, Peer());
                return GuardOutcome.Close;
            }

            if (command.Kind == CommandKind.Auth)
            {
                StartAuth(command);
                return GuardOutcome.Paused;
            }

            if (_user is null)
            {
                if (command.Kind == CommandKind.Ping)
                {
                    return Execute(command) ? GuardOutcome.Answered : GuardOutcome.Close;
                }

                ResponseEncoder.Encode(_output, command.Version, ResponseStatus.Error, command.RequestId, NotAuthenticatedMessage, ProtocolErrorCode.NotAuthenticated);
                return GuardOutcome.Answered;
            }

            var message = PermissionDeniedMessage(_user.Name, _user.Permission, command.Kind);
            ResponseEncoder.Encode(_output, command.Version, ResponseStatus.Error, command.RequestId, Encoding.UTF8.GetBytes(message), ProtocolErrorCode.PermissionDenied);
            return GuardOutcome.Answered;
        }
        catch (OutOfMemoryException)
        {
            // No room for even the refusal: the connection cannot go on.
            return GuardOutcome.Close;
        }
    }

    /// <summary>What a command the user may not run is answered (ERROR PermissionDenied).</summary>
    internal static string PermissionDeniedMessage(string user, Permission permission, CommandKind kind) =>
        $"permission denied: user '{user}' ({Permissions.Format(permission)}) may not run {CommandTable.Find(kind)?.Name ?? kind.ToString()}";

    // The password is copied out of the receive buffer for the check, which runs on the thread pool (the key derivation
    // takes a while: the connection's thread, an event loop's, must not wait for it), and wiped after.
    private void StartAuth(in CommandView command)
    {
        var name = Encoding.UTF8.GetString(command.User);
        var password = command.Password.ToArray();
        var users = _users!;
        _pendingAuth = new PendingAuth(command.RequestId, name, CheckAsync(users, name, password, Stopwatch.GetTimestamp()));

        static async Task<UserDirectory.User?> CheckAsync(UserDirectory users, string name, byte[] password, long received)
        {
            UserDirectory.User? user;
            try
            {
                user = await users.AuthenticateAsync(name, password).ConfigureAwait(false);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(password);
            }

            // A failure is answered no sooner than the delay after the AUTH was received. No thread waits: a timer completes
            // the delay, and the connection resumes after it. A timer may fire a little early for the clock measured
            // here, so the delay is waited until that clock says it has passed.
            while (user is null && users.FailureDelay - Stopwatch.GetElapsedTime(received) is { Ticks: > 0 } remaining)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(remaining.TotalMilliseconds))).ConfigureAwait(false);
            }

            return user;
        }
    }

    /// <summary>
    /// Authenticates the connection as the user its TLS client certificate names (<c>--tls-client-user cn</c>), before
    /// any request; a name that is no user's changes nothing (the client must AUTH).
    /// </summary>
    /// <returns>Whether a user was found.</returns>
    public bool AuthenticateByCertificate(string commonName)
    {
        if (_users?.Find(commonName) is not { } user || commonName.Length == 0)
        {
            return false;
        }

        _user = user;
        _allowed = user.Allowed & ~Permissions.Bit(CommandKind.Auth);
        ServerLog.AuthenticatedByCertificate(_logger, _connectionId, user.Name, Permissions.Format(user.Permission));
        return true;
    }

    // Writes the answer of the AUTH that paused the connection, once it is known. Null: go on processing; otherwise what
    // Process returns now.
    private BatchOutcome? FinishAuth()
    {
        var pending = _pendingAuth!;
        if (!pending.Result.IsCompleted)
        {
            return BatchOutcome.Paused;
        }

        _pendingAuth = null;
        UserDirectory.User? user;
        try
        {
            user = pending.Result.GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The check itself failed (a bug): the connection is not authenticated by it.
            ServerLog.ConnectionFailed(_logger, _connectionId, e);
            return BatchOutcome.Close;
        }

        try
        {
            if (user is not null)
            {
                _user = user;
                _allowed = user.Allowed & ~Permissions.Bit(CommandKind.Auth);
                ServerLog.Authenticated(_logger, _connectionId, user.Name, Permissions.Format(user.Permission));
                ResponseEncoder.Encode(_output, ProtocolVersion.V1, ResponseStatus.Ok, pending.RequestId, default);
                return null;
            }

            _authFailures++;
            var closing = _authFailures >= Authentication.MaxFailuresPerConnection;
            ServerLog.AuthenticationFailed(_logger, _connectionId, Peer(), Authentication.ForLog(pending.UserName), _authFailures, Authentication.MaxFailuresPerConnection);
            ResponseEncoder.Encode(_output, ProtocolVersion.V1, ResponseStatus.Error, pending.RequestId, AuthenticationFailedMessage, ProtocolErrorCode.AuthenticationFailed);
            if (closing)
            {
                ServerLog.TooManyAuthenticationFailures(_logger, _connectionId, Peer(), _authFailures);
                return BatchOutcome.Close;
            }

            return null;
        }
        catch (OutOfMemoryException)
        {
            return BatchOutcome.Close;
        }
    }

    private EndPoint? Peer()
    {
        try
        {
            return _peer?.Invoke();
        }
        catch (Exception e) when (e is ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            return null;
        }
    }

    /// <summary>An AUTH being checked: what its answer needs once the check is done (never the password).</summary>
    private sealed record PendingAuth(uint RequestId, string UserName, Task<UserDirectory.User?> Result);
}
