namespace Kv.Bench.Load;

/// <summary>The AUTH that opens a connection was refused or not answered: kv-bench stops before any load (exit code 2).</summary>
internal sealed class AuthenticationFailedException : IOException
{
    public AuthenticationFailedException()
    {
    }

    public AuthenticationFailedException(string message)
        : base(message)
    {
    }

    public AuthenticationFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
