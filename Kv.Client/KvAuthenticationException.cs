using Kv.Protocol;

namespace Kv.Client;

/// <summary>
/// The server refused the client's credentials (<see cref="KvClientOptions.User"/> and
/// <see cref="KvClientOptions.Password"/>): it answered the AUTH that opens every connection with ERROR
/// <see cref="ProtocolErrorCode.AuthenticationFailed"/> (12). A wrong password does not become right, so the client
/// does not try again: the connection attempt fails, and every later call on the same client fails at once with this
/// exception, without contacting the server. Create a new client with the right credentials. The message names the
/// user, never the password.
/// </summary>
public sealed class KvAuthenticationException : KvException
{
    /// <summary>Creates an exception with a default message.</summary>
    public KvAuthenticationException()
        : this("The Kv server refused the credentials.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public KvAuthenticationException(string message)
        : this(message, innerException: null)
    {
    }

    /// <summary>Creates an exception with a message and a cause.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public KvAuthenticationException(string message, Exception? innerException)
        : base(message, innerException)
    {
        ServerMessage = string.Empty;
    }

    /// <summary>Creates an exception for an AUTH the server refused.</summary>
    /// <param name="endPoint">The server, as configured.</param>
    /// <param name="user">The user name sent, or null for the default user.</param>
    /// <param name="serverMessage">The server's message.</param>
    public KvAuthenticationException(string endPoint, string? user, string serverMessage)
        : base(
            $"The Kv server at {endPoint} refused the credentials of {(user is null or "" ? "the default user" : $"user '{user}'")} " +
            $"(error {ProtocolErrorCode.AuthenticationFailed} ({(ushort)ProtocolErrorCode.AuthenticationFailed}): {serverMessage}). " +
            "This client will not try them again: create a new client with the right user and password.")
    {
        EndPoint = endPoint;
        User = user;
        ServerMessage = serverMessage;
    }

    /// <summary>The error code: always <see cref="ProtocolErrorCode.AuthenticationFailed"/>.</summary>
    public ProtocolErrorCode Code => ProtocolErrorCode.AuthenticationFailed;

    /// <summary>The server, as configured (<see cref="KvClientOptions.EndPoint"/>), or null.</summary>
    public string? EndPoint { get; }

    /// <summary>The user name that was refused, or null for the default user.</summary>
    public string? User { get; }

    /// <summary>The server's message, for people.</summary>
    public string ServerMessage { get; }

    /// <summary>A new exception with the same facts, for a later call (an exception object is not thrown twice).</summary>
    internal KvAuthenticationException Repeat() => EndPoint is null
        ? new KvAuthenticationException(Message, InnerException)
        : new KvAuthenticationException(EndPoint, User, ServerMessage);
}
