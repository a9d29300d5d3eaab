namespace Kv.Client;

/// <summary>
/// The request was not queued, and nothing of it was sent, because the connection already holds
/// <see cref="KvClientOptions.MaxPendingWriteBytes"/> of requests that it could not send yet: the server is not
/// reading as fast as they are made. The connection stays open and the requests already queued go on; the same
/// request may succeed once the backlog has drained.
/// </summary>
public class KvOverloadedException : KvException
{
    /// <summary>Creates an exception with a default message.</summary>
    public KvOverloadedException()
        : base("The connection's backlog of unsent requests is full.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public KvOverloadedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the exception that caused it.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause, if any.</param>
    public KvOverloadedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
