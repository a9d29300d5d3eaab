namespace Kv.Cli;

/// <summary>The exit codes of <c>kv</c>, for scripts.</summary>
public static class ExitCodes
{
    /// <summary>The command succeeded.</summary>
    public const int Success = 0;

    /// <summary><c>get</c> or <c>clear</c> found no such key (nothing is printed on standard output).</summary>
    public const int NotFound = 1;

    /// <summary>Any error: bad arguments, connection refused or lost, a timeout, a server error. The message is on standard error.</summary>
    public const int Error = 2;
}
