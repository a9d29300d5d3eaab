using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Kv.Testing.Servers;

/// <summary>
/// The real <c>kv-server</c> (<c>dotnet Kv.Server.dll</c>, from the test's output directory) as a separate process: its
/// standard error collected, its ready line read for the address, and ways to signal, kill or await it.
/// </summary>
public sealed partial class ServerProcess : IDisposable
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

    /// <summary>The process; its standard output is left for the caller to read.</summary>
    public Process Process { get; }

    public int Pid => Process.Id;

    /// <summary>Where it listens, once <see cref="StartAsync(string[])"/> has read its ready line.</summary>
    public IPEndPoint EndPoint { get; private set; } = null!;

    /// <summary>What it wrote to standard error so far.</summary>
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

    // Not passed to the server: read by Launch, which puts it under prlimit.
    private const string DescriptorLimitVariable = "KV_TEST_DESCRIPTOR_LIMIT";
    private const string CgroupVariable = "KV_TEST_CGROUP";

    private static string ServerDll => Path.Combine(AppContext.BaseDirectory, "Kv.Server.dll");

    /// <summary>Starts the server and waits for its ready line.</summary>
    public static Task<ServerProcess> StartAsync(params string[] args) => StartAsync(new Dictionary<string, string>(), args);

    /// <summary>Starts the server with these environment variables and waits for its ready line.</summary>
    public static async Task<ServerProcess> StartAsync(Dictionary<string, string> environment, params string[] args)
    {
        var server = Launch(environment, args);
        var ready = await server.Process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var match = ReadyLine().Match(ready ?? string.Empty);
        if (!match.Success)
        {
            await server.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            server.Dispose();
            throw new InvalidOperationException($"The server did not start: it printed '{ready}' (exit code {server.Process.ExitCode}): {server.Errors}");
        }

        server.EndPoint = new IPEndPoint(IPAddress.Parse(match.Groups["address"].Value), int.Parse(match.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture));
        return server;
    }

    /// <summary>Starts the server without waiting for anything: for a test that reads its output itself.</summary>
    public static ServerProcess Launch(params string[] args) => Launch(new Dictionary<string, string>(), args);

    /// <summary>
    /// Starts the server with a file descriptor limit (soft and hard, through <c>prlimit</c>, which then runs it in its
    /// own process) and waits for its ready line.
    /// </summary>
    public static Task<ServerProcess> StartWithDescriptorLimitAsync(int descriptors, params string[] args) =>
        StartAsync(new Dictionary<string, string> { [DescriptorLimitVariable] = descriptors.ToString(System.Globalization.CultureInfo.InvariantCulture) }, args);

    /// <summary>
    /// Starts the server inside a memory cgroup (as in a container with that memory limit) and waits for its ready line.
    /// </summary>
    public static Task<ServerProcess> StartInCgroupAsync(Exhaustion.MemoryCgroup cgroup, params string[] args) =>
        StartAsync(new Dictionary<string, string> { [CgroupVariable] = cgroup.Path }, args);

    /// <summary>Starts the server, with these environment variables, without waiting for anything.</summary>
    public static ServerProcess Launch(Dictionary<string, string> environment, params string[] args)
    {
        var limited = environment.TryGetValue(DescriptorLimitVariable, out var limit);
        var confined = environment.TryGetValue(CgroupVariable, out var cgroup);
        var info = new ProcessStartInfo(limited ? "prlimit" : confined ? "sh" : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (limited)
        {
            // prlimit execs the command: the process is the server's.
            info.ArgumentList.Add($"--nofile={limit}:{limit}");
            info.ArgumentList.Add("dotnet");
        }
        else if (confined)
        {
            // The shell joins the cgroup, then becomes the server: the process is the server's, inside the cgroup.
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add("echo $$ > \"$0/cgroup.procs\" && exec dotnet \"$@\"");
            info.ArgumentList.Add(cgroup!);
        }

        info.ArgumentList.Add(ServerDll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment.Where(v => v.Key is not (DescriptorLimitVariable or CgroupVariable)))
        {
            info.Environment[name] = value;
        }

        return new ServerProcess(Process.Start(info)!);
    }

    /// <summary>Runs the server until it exits by itself (a refused start); returns its exit code and standard error.</summary>
    public static Task<(int ExitCode, string Errors)> RunToExitAsync(params string[] args) => RunToExitAsync(new Dictionary<string, string>(), args);

    /// <summary>Runs the server, with these environment variables, until it exits by itself.</summary>
    public static async Task<(int ExitCode, string Errors)> RunToExitAsync(Dictionary<string, string> environment, params string[] args)
    {
        using var server = Launch(environment, args);
        await server.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (server.Process.ExitCode, server.Errors);
    }

    /// <summary>
    /// Waits until standard error contains <paramref name="text"/>: log lines travel through the console logger's own
    /// thread, so they can arrive after the ready line, which is written straight to standard output.
    /// </summary>
    public Task<bool> WaitForErrorAsync(string text, TimeSpan timeout) => Waiting.UntilAsync(() => Errors.Contains(text, StringComparison.Ordinal), timeout);

    /// <summary>Waits for the process to exit, and for its standard error to be read to the end.</summary>
    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        await Process.WaitForExitAsync().WaitAsync(timeout);
        Process.WaitForExit(); // flushes the asynchronous reads of standard error
    }

    /// <summary>Sends a signal (<c>TERM</c>, <c>INT</c>, ...).</summary>
    public void Signal(string signal) => Process.Start("kill", $"-{signal} {Process.Id}")!.WaitForExit();

    /// <summary>SIGKILL: no shutdown, no flush; only what the process gave the kernel survives.</summary>
    public async Task KillAsync()
    {
        Process.Kill();
        await Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>The file descriptors the process has open now (entries of /proc/PID/fd).</summary>
    public int OpenDescriptors() => Directory.GetFileSystemEntries($"/proc/{Process.Id}/fd").Length;

    /// <summary>The process's resident set size (VmRSS in /proc/PID/status), in bytes.</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{Process.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException("VmRSS not found");
    }

    public void Dispose()
    {
        try
        {
            if (!Process.HasExited)
            {
                Process.Kill();
                Process.WaitForExit(10_000);
            }
        }
        finally
        {
            Process.Dispose();
        }
    }

    [GeneratedRegex(@"^Kv server ready on (?<address>[0-9.]+):(?<port>[0-9]+)")]
    private static partial Regex ReadyLine();
}
