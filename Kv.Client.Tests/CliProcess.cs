namespace Kv.Client.Tests;

/// <summary>Runs the built <c>Kv.Cli.dll</c> (the <c>kv</c> command) as a real process.</summary>
internal static class CliProcess
{
    public static string CliPath { get; } = ToolProcess.RecordedPath(typeof(CliProcess).Assembly, "KvCliPath");

    public static Task<(int ExitCode, string Output, string Error)> RunAsync(
        IEnumerable<string> arguments, string? input = null, IDictionary<string, string?>? environment = null, CancellationToken cancellationToken = default) =>
        ToolProcess.RunAsync(CliPath, arguments, input, environment, cancellationToken);
}
