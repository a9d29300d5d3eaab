using System.Diagnostics;

namespace Kv.Testing;

/// <summary>Runs a built tool (<c>dotnet Tool.dll args...</c>) as a real process, with its own input and environment.</summary>
public static class ToolProcess
{
    /// <summary>Runs the tool to its end; <c>KV_HOST</c> and <c>KV_PORT</c> are unset unless <paramref name="environment"/> sets them.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(
        string dll, IEnumerable<string> arguments, string? input = null, IDictionary<string, string?>? environment = null, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} was not found; build the solution first.", dll);
        }

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["KV_HOST"] = null;
        start.Environment["KV_PORT"] = null;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input.AsMemory(), cancellationToken);
        }

        process.StandardInput.Close();
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await output, await error);
    }

    /// <summary>The path a test assembly recorded for a tool (an <c>AssemblyMetadata</c> attribute written by its project).</summary>
    public static string RecordedPath(System.Reflection.Assembly testAssembly, string key) =>
        testAssembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}
