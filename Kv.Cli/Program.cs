using Kv.CommandLine;
namespace Kv.Cli;

/// <summary>The <c>kv</c> entry point.</summary>
public static class Program
{
    /// <summary>Runs the command line and returns its exit code (see <see cref="ExitCodes"/>).</summary>
    /// <param name="args">The command-line arguments.</param>
    public static Task<int> Main(string[] args) =>
        new CliApplication(Console.In, Console.Out, Console.Error, !Console.IsInputRedirected, Environment.GetEnvironmentVariable).RunAsync(args);
}
