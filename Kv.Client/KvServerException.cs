using Kv.Protocol;

namespace Kv.Client;

/// <summary>
/// The server answered a request with an ERROR response. The connection stays usable (unless the server closes it,
/// which then shows as <see cref="KvConnectionException"/> on later requests). Branch on <see cref="Code"/>, never on
/// the message text.
/// </summary>
public sealed class KvServerException : KvException
{
    /// <summary>Creates an exception with a default message and <see cref="ProtocolErrorCode.ServerError"/>.</summary>
    public KvServerException()
        : this(ProtocolErrorCode.ServerError, "server error")
    {
    }

    /// <summary>Creates an exception with a message and <see cref="ProtocolErrorCode.ServerError"/>.</summary>
    /// <param name="message">The server's message.</param>
    public KvServerException(string message)
        : this(ProtocolErrorCode.ServerError, message)
    {
    }

    /// <summary>Creates an exception with a message, <see cref="ProtocolErrorCode.ServerError"/> and a cause.</summary>
    /// <param name="message">The server's message.</param>
    /// <param name="innerException">The cause.</param>
    public KvServerException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Code = ProtocolErrorCode.ServerError;
        ServerMessage = message;
    }

    /// <summary>Creates an exception for an ERROR response.</summary>
    /// <param name="code">The error code the server sent.</param>
    /// <param name="serverMessage">The message the server sent.</param>
    public KvServerException(ProtocolErrorCode code, string serverMessage)
        : base($"The Kv server answered with error {code} ({(ushort)code}): {serverMessage}")
    {
        Code = code;
        ServerMessage = serverMessage;
    }

    /// <summary>The error code of the ERROR response (the numbers of <see cref="ProtocolErrorCode"/>).</summary>
    public ProtocolErrorCode Code { get; }

    /// <summary>The server's message, for people.</summary>
    public string ServerMessage { get; }
}
