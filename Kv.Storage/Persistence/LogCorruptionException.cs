namespace Kv.Storage.Persistence;

/// <summary>
/// The log cannot be replayed as it is: damage that is not a torn tail (valid records follow it), a bad file header,
/// or a record that Kv cannot have written. The message names the file, the offset and how to recover.
/// </summary>
public sealed class LogCorruptionException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The log file.</param>
    /// <param name="offset">Where in it the damage starts.</param>
    /// <param name="message">What is wrong and how to recover, for a person.</param>
    public LogCorruptionException(string path, long offset, string message)
        : base(message)
    {
        FilePath = path;
        Offset = offset;
    }

    /// <summary>The log file.</summary>
    public string FilePath { get; }

    /// <summary>The byte offset in the file where the damage starts.</summary>
    public long Offset { get; }
}
