using System.Diagnostics;
using System.Net;
using System.Text;

namespace Kv.Server.Tests.Persistence;

/// <summary>A real <c>kv-server</c> process, with its standard error collected, that can be killed with SIGKILL.</summary>
internal sealed class ServerProcess : IDisposable
{
    private readonly StringBuilder _errors = new();

    private ServerProcess(Process process)
    {
        Process = process;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_errors)
                {
                    _errors.AppendLine(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();
    }

    public Process Process { get; }

    public IPEndPoint EndPoint { get; private set; } = null!;

    public string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    /// <summary>
    /// Waits until standard error contains <paramref name="text"/>: log lines travel through the console logger's own
    /// thread, so they can arrive after the ready line, which is written straight to standard output.
    /// </summary>
    public async Task<bool> WaitForErrorAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Errors.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(20);
        }

        return true;
    }

    private static string ServerDll => Path.Combine(TestContext.CurrentContext.TestDirectory, "Kv.Server.dll");

    /// <summary>Starts the server and waits for its ready line.</summary>
    public static async Task<ServerProcess> StartAsync(params string[] args)
    {
        var server = Launch(args);
        var ready = await server.Process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        if (ready is null || !ready.StartsWith("Kv server ready on ", StringComparison.Ordinal))
        {
            await server.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            throw new InvalidOperationException($"The server did not start (exit code {server.Process.ExitCode}): {server.Errors}");
        }

        server.EndPoint = IPEndPoint.Parse(ready["Kv server ready on ".Length..]);
        return server;
    }

    /// <summary>Runs the server until it exits by itself (a refused start); returns its exit code.</summary>
    public static Task<(int ExitCode, string Errors)> RunToExitAsync(params string[] args) => RunToExitAsync(new Dictionary<string, string>(), args);

    /// <summary>Runs the server, with these environment variables, until it exits by itself; returns its exit code.</summary>
    public static async Task<(int ExitCode, string Errors)> RunToExitAsync(Dictionary<string, string> environment, params string[] args)
    {
        using var server = Launch(args, environment);
        await server.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        server.Process.WaitForExit(); // flushes the asynchronous reads of standard error
        return (server.Process.ExitCode, server.Errors);
    }

    /// <summary>SIGKILL: no shutdown, no flush; only what the process gave the kernel survives.</summary>
    public async Task KillAsync()
    {
        Process.Kill();
        await Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill();
            Process.WaitForExit(10_000);
        }

        Process.Dispose();
    }

    private static ServerProcess Launch(string[] args, Dictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(ServerDll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? [])
        {
            info.Environment[name] = value;
        }

        return new ServerProcess(Process.Start(info)!);
    }
}
