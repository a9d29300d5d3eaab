namespace Kv.Client;

/// <summary>
/// The connection to the server could not be made, was refused by the server, was lost, or was closed by
/// <see cref="KvClient.DisposeAsync"/>. Every request in flight on a lost connection fails with this exception; the
/// client reconnects by itself on the next call.
/// </summary>
public class KvConnectionException : KvException
{
    /// <summary>Creates an exception with a default message.</summary>
    public KvConnectionException()
        : base("The connection to the Kv server failed.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public KvConnectionException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the exception that caused it.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause, such as a <see cref="System.Net.Sockets.SocketException"/>.</param>
    public KvConnectionException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception for a connection the server refused or closed with a message of its own.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="serverMessage">The server's own words, such as <c>too many connections</c>.</param>
    /// <param name="innerException">The cause, if any.</param>
    public KvConnectionException(string message, string? serverMessage, Exception? innerException)
        : base(message, innerException)
    {
        ServerMessage = serverMessage;
    }

    /// <summary>
    /// The message the server sent when it refused or dropped the connection (for example <c>too many connections</c>,
    /// sent as a version-0 ERROR), or null when the server said nothing.
    /// </summary>
    public string? ServerMessage { get; }
}
