using System.Diagnostics;
using System.Net;
using Kv.Protocol;

namespace Kv.Server.Tests.Hosting;

/// <summary>The real <c>kv-server</c> binary as a separate process: options, the ready line, signals, exit codes.</summary>
public class ServerProcessTests
{
    [Test]
    public async Task Starts_on_a_free_port_prints_one_ready_line_serves_and_exits_0_on_sigterm()
    {
        using var process = ServerProcess.Launch("--port", "0", "--log-level", "Warning");
        var ready = await process.Process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20));
        ready.Should().MatchRegex(@"^Kv server ready on 127\.0\.0\.1:[0-9]+, max memory [0-9.]+ (MiB|GiB) of [0-9.]+ (MiB|GiB) available \(--max-memory\), eviction noeviction$");
        var port = int.Parse(ready!.Split(',')[0].Split(':').Last());

        using (var connection = await WireConnection.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)))
        {
            (await connection.ExecuteAsync(Command.Set("proc", "ess"))).Should().Be(Response.Ok("proc"));
            (await connection.ExecuteAsync(Command.Get("proc"))).Should().Be(Response.Ok("ess"));
        }

        process.Signal("TERM");
        await process.WaitForExitAsync(TimeSpan.FromSeconds(15));
        process.Process.ExitCode.Should().Be(0);
    }

    [Test]
    public async Task Sigint_also_shuts_down_gracefully()
    {
        using var process = ServerProcess.Launch("--port", "0");
        (await process.Process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20))).Should().StartWith("Kv server ready on");
        process.Signal("INT");
        await process.WaitForExitAsync(TimeSpan.FromSeconds(15));
        process.Process.ExitCode.Should().Be(0);
    }

    [Test]
    public async Task Help_lists_every_option()
    {
        using var process = ServerProcess.Launch("--help");
        var output = await process.Process.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(20));
        await process.WaitForExitAsync(TimeSpan.FromSeconds(20));
        process.Process.ExitCode.Should().Be(0);
        foreach (var option in new[] { "--bind", "--port", "--max-connections", "--max-frame-bytes", "--idle-timeout", "--shutdown-timeout", "--io-threads", "--log-level", "--data-dir", "--fsync", "--compaction-min-bytes", "--compaction-ratio" })
        {
            output.Should().Contain(option);
        }
    }

    [Test]
    public async Task A_bad_option_value_exits_2_with_a_message()
    {
        var (exitCode, error) = await ServerProcess.RunToExitAsync("--max-connections", "0");
        exitCode.Should().Be(2);
        error.Should().Contain("--max-connections");
    }

    [Test]
    public async Task The_port_comes_from_KV_PORT_and_a_port_in_use_is_a_clear_failure()
    {
        using var holder = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var busyPort = ((IPEndPoint)holder.LocalEndpoint).Port;

        var (exitCode, error) = await ServerProcess.RunToExitAsync(new Dictionary<string, string> { ["KV_PORT"] = busyPort.ToString() });
        exitCode.Should().Be(1);
        error.Should().Contain($"127.0.0.1:{busyPort}");
    }

    [Test]
    public async Task An_unparsable_value_is_one_line_and_exit_2_not_the_help()
    {
        var (exitCode, error) = await ServerProcess.RunToExitAsync("--port", "abc");
        exitCode.Should().Be(2);
        error.Should().Be("kv-server: --port must be a whole number from 0 to 65535, not 'abc'.\nRun 'kv-server --help' for the options.\n");
    }

    [Test]
    public async Task A_data_directory_that_cannot_be_created_says_so_and_exits_3()
    {
        var (exitCode, error) = await ServerProcess.RunToExitAsync("--port", "0", "--data-dir", "/proc/kv-cannot-be-here");
        exitCode.Should().Be(3);
        error.Should().Contain("/proc/kv-cannot-be-here").And.Contain("cannot be created");
    }

    [Test]
    public async Task A_server_that_never_started_does_not_log_a_shutdown()
    {
        using var holder = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var (exitCode, error) = await ServerProcess.RunToExitAsync("--port", ((IPEndPoint)holder.LocalEndpoint).Port.ToString());
        exitCode.Should().Be(1);
        error.Should().NotContain("Shutting down").And.NotContain("Stopped");
    }
}
