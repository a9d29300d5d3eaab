using System.Diagnostics;
using System.Net;
using Kv.Protocol;
using Kv.Server.Tests.Infrastructure;

namespace Kv.Server.Tests.Hosting;

/// <summary>The real <c>kv-server</c> binary as a separate process: options, the ready line, signals, exit codes.</summary>
public class ServerProcessTests
{
    private static string ServerDll => Path.Combine(TestContext.CurrentContext.TestDirectory, "Kv.Server.dll");

    [Test]
    public async Task Starts_on_a_free_port_prints_one_ready_line_serves_and_exits_0_on_sigterm()
    {
        using var process = Start("--port", "0", "--log-level", "Warning");
        var ready = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20));
        ready.Should().MatchRegex(@"^Kv server ready on 127\.0\.0\.1:[0-9]+$");
        var port = int.Parse(ready!.Split(':').Last());

        using (var connection = await WireConnection.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)))
        {
            (await connection.ExecuteAsync(Command.Set("proc", "ess"))).Should().Be(Response.Ok("proc"));
            (await connection.ExecuteAsync(Command.Get("proc"))).Should().Be(Response.Ok("ess"));
        }

        Signal(process, "TERM");
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(15));
        process.ExitCode.Should().Be(0);
    }

    [Test]
    public async Task Sigint_also_shuts_down_gracefully()
    {
        using var process = Start("--port", "0");
        (await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20))).Should().StartWith("Kv server ready on");
        Signal(process, "INT");
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(15));
        process.ExitCode.Should().Be(0);
    }

    [Test]
    public async Task Help_lists_every_option()
    {
        using var process = Start("--help");
        var output = await process.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(20));
        await process.WaitForExitAsync();
        process.ExitCode.Should().Be(0);
        foreach (var option in new[] { "--bind", "--port", "--max-connections", "--max-frame-bytes", "--idle-timeout", "--shutdown-timeout", "--io-threads", "--log-level", "--data-dir", "--fsync", "--compaction-min-bytes", "--compaction-ratio" })
        {
            output.Should().Contain(option);
        }
    }

    [Test]
    public async Task A_bad_option_value_exits_2_with_a_message()
    {
        using var process = Start("--max-connections", "0");
        var error = await process.StandardError.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(20));
        await process.WaitForExitAsync();
        process.ExitCode.Should().Be(2);
        error.Should().Contain("--max-connections");
    }

    [Test]
    public async Task The_port_comes_from_KV_PORT_and_a_port_in_use_is_a_clear_failure()
    {
        using var holder = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var busyPort = ((IPEndPoint)holder.LocalEndpoint).Port;

        using var process = Start(new Dictionary<string, string> { ["KV_PORT"] = busyPort.ToString() });
        var error = await process.StandardError.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(20));
        await process.WaitForExitAsync();
        process.ExitCode.Should().Be(1);
        error.Should().Contain($"127.0.0.1:{busyPort}");
    }

    private static Process Start(params string[] args) => Start(new Dictionary<string, string>(), args);

    private static Process Start(Dictionary<string, string> environment, params string[] args)
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

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        return Process.Start(info)!;
    }

    private static void Signal(Process process, string signal) =>
        Process.Start("kill", $"-{signal} {process.Id}")!.WaitForExit();
}
