namespace Kv.CommandLine;

/// <summary>
/// The exit codes of <c>kv-server</c>, <c>kv</c> and <c>kv-bench</c>: one table for the three tools, in grep's manner (0
/// yes, 1 no, 2 error), plus the server's persistence failures. docs/operations.md has it with each tool's cases.
/// </summary>
public static class ExitCodes
{
    /// <summary>The tool did what it was asked.</summary>
    public const int Success = 0;

    /// <summary>
    /// It ran, and the outcome is no: a <c>kv</c> command found no such key (<c>get</c>, <c>clear</c>, <c>ttl</c>,
    /// <c>expire</c>, <c>persist</c>, <c>getex</c>) or its condition did not hold (<c>set --nx/--xx</c>,
    /// <c>expire --nx/--xx/--gt/--lt</c>); <c>kv-bench</c> saw failed requests or values that did not verify;
    /// <c>kv-server</c> cannot listen on its address.
    /// </summary>
    public const int Unsuccessful = 1;

    /// <summary>
    /// An error, with the message on standard error: bad usage (an unknown option or command, a value that cannot be parsed
    /// or is out of range), or a server that could not be reached or answered an error (<c>kv</c>, <c>kv-bench</c>).
    /// </summary>
    public const int Error = 2;

    /// <summary><c>kv-server</c>: the data directory or its log cannot be used at start (in use, damaged, not creatable).</summary>
    public const int DataUnavailable = 3;

    /// <summary><c>kv-server</c>: writing the log failed while the server ran, and it stopped.</summary>
    public const int PersistenceFailed = 4;
}
