namespace Kv.Client;

/// <summary>
/// The base of every failure the Kv client reports, apart from timeouts (<see cref="TimeoutException"/>),
/// cancellation (<see cref="OperationCanceledException"/>) and bad arguments (<see cref="ArgumentException"/>).
/// </summary>
public class KvException : Exception
{
    /// <summary>Creates an exception with a default message.</summary>
    public KvException()
        : base("A Kv operation failed.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public KvException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the exception that caused it.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public KvException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
