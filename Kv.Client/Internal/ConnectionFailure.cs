namespace Kv.Client.Internal;

/// <summary>
/// Why a connection was torn down. Every request in flight on it gets its own exception made from this, so that no
/// exception object is thrown on several threads at once.
/// </summary>
internal sealed class ConnectionFailure
{
    private ConnectionFailure(bool isProtocolError, string message, string? serverMessage, Exception? cause)
    {
        IsProtocolError = isProtocolError;
        Message = message;
        ServerMessage = serverMessage;
        Cause = cause;
    }

    /// <summary>True when the stream went out of step (a <see cref="KvProtocolException"/>).</summary>
    public bool IsProtocolError { get; }

    public string Message { get; }

    /// <summary>The server's own message when it refused or dropped the connection with an ERROR.</summary>
    public string? ServerMessage { get; }

    public Exception? Cause { get; }

    public bool IsDisposal { get; private init; }

    public static ConnectionFailure Lost(string message, Exception? cause = null) => new(false, message, null, cause);

    public static ConnectionFailure RefusedByServer(string message, string serverMessage) => new(false, message, serverMessage, null);

    public static ConnectionFailure Protocol(string message, Exception? cause = null) => new(true, message, null, cause);

    public static ConnectionFailure Disposed() =>
        new(false, "The Kv client was disposed.", null, null) { IsDisposal = true };

    public KvException CreateException() => IsProtocolError
        ? new KvProtocolException(Message, Cause)
        : new KvConnectionException(Message, ServerMessage, Cause);
}
