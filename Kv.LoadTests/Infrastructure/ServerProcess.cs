using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace Kv.LoadTests.Infrastructure;

/// <summary>
/// <c>dotnet Kv.Server.dll --port 0 ...</c> as a separate process, for cases that measure the server's own memory or
/// use its command line: waits for the ready line <c>Kv server ready on 127.0.0.1:PORT</c> and reads the port from it.
/// </summary>
internal sealed partial class ServerProcess : IDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process, IPEndPoint endPoint)
    {
        _process = process;
        EndPoint = endPoint;
    }

    public IPEndPoint EndPoint { get; }

    public int Pid => _process.Id;

    public static async Task<ServerProcess> StartAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(TestContext.CurrentContext.TestDirectory, "Kv.Server.dll"));
        foreach (var arg in (string[])["--port", "0", "--log-level", "Warning", .. args])
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info)!;
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var match = ReadyLine().Match(line ?? "");
        if (!match.Success)
        {
            process.Kill();
            process.Dispose();
            Assert.Fail($"kv-server did not print its ready line; it printed '{line}'.");
        }

        return new ServerProcess(process, new IPEndPoint(IPAddress.Parse(match.Groups["address"].Value), int.Parse(match.Groups["port"].Value)));
    }

    /// <summary>The process's resident set size (VmRSS in /proc/PID/status), in bytes.</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0]) * 1024;
            }
        }

        throw new InvalidOperationException("VmRSS not found");
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(10_000);
            }
        }
        finally
        {
            _process.Dispose();
        }
    }

    [GeneratedRegex(@"^Kv server ready on (?<address>[0-9.]+):(?<port>[0-9]+)$")]
    private static partial Regex ReadyLine();
}
