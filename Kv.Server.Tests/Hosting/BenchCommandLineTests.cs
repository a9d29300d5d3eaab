namespace Kv.Server.Tests.Hosting;

/// <summary><c>kv-bench</c>'s front door: the same option handling and exit codes as the other tools.</summary>
public class BenchCommandLineTests
{
    private static readonly string Bench = ToolProcess.RecordedPath(typeof(BenchCommandLineTests).Assembly, "KvBenchPath");

    [Test]
    public async Task An_unparsable_port_names_the_option_not_a_runtime_type()
    {
        var (exitCode, output, error) = await ToolProcess.RunAsync(Bench, ["--port", "abc"]);
        exitCode.Should().Be(2);
        output.Should().BeEmpty();
        error.Should().Be("kv-bench: --port must be a whole number from 1 to 65535, not 'abc'.\nRun 'kv-bench --help' for the options.\n");
    }

    [Test]
    public async Task A_closed_port_is_reported_with_the_address()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var (exitCode, _, error) = await ToolProcess.RunAsync(Bench, ["-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-n", "10"]);
        exitCode.Should().Be(2);
        error.Should().Be($"kv-bench: 127.0.0.1:{port}: Connection refused\n");
    }

    [Test]
    public async Task The_help_names_the_command()
    {
        var (exitCode, output, _) = await ToolProcess.RunAsync(Bench, ["--help"]);
        exitCode.Should().Be(0);
        output.Should().Contain("kv-bench [options]").And.NotContain("Kv.Bench");
    }

    [Test]
    public async Task It_measures_a_real_server_and_exits_0()
    {
        await using var server = InProcessServer.Start();
        var (exitCode, output, error) = await ToolProcess.RunAsync(Bench, ["-p", server.EndPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-n", "2000", "-c", "4", "--warmup", "0", "--verify", "-t", "set,get,clear"]);
        error.Should().BeEmpty();
        exitCode.Should().Be(0);
        output.Should().Contain("====== SET").And.Contain("====== GET").And.Contain("====== CLEAR").And.Contain("verify failures 0");
    }
}
