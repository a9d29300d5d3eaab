namespace Kv.Client;

/// <summary>
/// The byte stream from the server cannot be trusted any more: a frame could not be parsed, a response arrived for
/// a request that was not the oldest one waiting (its request id did not match), or a response arrived when none was
/// expected. The client tears the connection down at once: the request that met the problem and every other request
/// in flight on that connection fail with this exception, and the next call reconnects.
/// </summary>
public sealed class KvProtocolException : KvException
{
    /// <summary>Creates an exception with a default message.</summary>
    public KvProtocolException()
        : base("The Kv server's response stream is out of step.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public KvProtocolException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the exception that caused it.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public KvProtocolException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
