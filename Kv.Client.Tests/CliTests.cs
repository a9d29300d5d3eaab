namespace Kv.Client.Tests;

/// <summary>The <c>kv</c> command line, run as a real process against a real in-process server.</summary>
[CancelAfter(60_000)]
public class CliTests
{
    private InProcessServer _server = null!;

    [OneTimeSetUp]
    public void StartServer() => _server = InProcessServer.Start(ClientTestServer.Options);

    [OneTimeTearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    [Test]
    public async Task Set_get_clear_and_ping_print_their_results_and_exit_0(CancellationToken cancellationToken)
    {
        (await Kv(cancellationToken, "set", "cli:greeting", "hello world")).Should().Be((0, "OK\n", string.Empty));
        (await Kv(cancellationToken, "get", "cli:greeting")).Should().Be((0, "hello world\n", string.Empty));
        (await Kv(cancellationToken, "clear", "cli:greeting")).Should().Be((0, "hello world\n", string.Empty));
        (await Kv(cancellationToken, "ping")).Should().Be((0, "PONG\n", string.Empty));
        (await Kv(cancellationToken, "ping", "are you there")).Should().Be((0, "are you there\n", string.Empty));
    }

    [Test]
    public async Task A_missing_key_exits_1_with_nothing_on_standard_output(CancellationToken cancellationToken)
    {
        var get = await Kv(cancellationToken, "get", "cli:missing");
        get.ExitCode.Should().Be(1);
        get.Output.Should().BeEmpty();
        get.Error.Trim().Should().Be("(nil)");

        var clear = await Kv(cancellationToken, "clear", "cli:missing");
        clear.ExitCode.Should().Be(1);
        clear.Output.Should().BeEmpty();
    }

    [Test]
    public async Task An_empty_value_is_found_and_printed_as_an_empty_line(CancellationToken cancellationToken)
    {
        (await Kv(cancellationToken, "set", "cli:empty", string.Empty)).ExitCode.Should().Be(0);
        (await Kv(cancellationToken, "get", "cli:empty")).Should().Be((0, "\n", string.Empty));
    }

    [Test]
    public async Task Host_and_port_come_from_KV_HOST_and_KV_PORT(CancellationToken cancellationToken)
    {
        var result = await CliProcess.RunAsync(["ping", "from env"], environment: new Dictionary<string, string?>
        {
            ["KV_HOST"] = "127.0.0.1",
            ["KV_PORT"] = _server.EndPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, cancellationToken: cancellationToken);

        result.Should().Be((0, "from env\n", string.Empty));
    }

    [Test]
    public async Task A_server_that_is_down_exits_2_with_the_reason_on_standard_error(CancellationToken cancellationToken)
    {
        var port = ApiTests.FreePort();

        var result = await CliProcess.RunAsync(["get", "k", "--port", $"{port}"], cancellationToken: cancellationToken);

        result.ExitCode.Should().Be(2);
        result.Output.Should().BeEmpty();
        result.Error.Should().Contain($"127.0.0.1:{port}").And.Contain("refused");
    }

    [Test]
    public async Task Bad_arguments_exit_2_with_a_message(CancellationToken cancellationToken)
    {
        var missingKey = await CliProcess.RunAsync(["get"], cancellationToken: cancellationToken);
        missingKey.ExitCode.Should().Be(2);
        missingKey.Error.Should().Contain("get");

        var badPort = await CliProcess.RunAsync(["ping", "-p", "70000"], cancellationToken: cancellationToken);
        badPort.ExitCode.Should().Be(2);
        badPort.Error.Should().Contain("port");

        var badEnvironment = await CliProcess.RunAsync(["ping"], environment: new Dictionary<string, string?> { ["KV_PORT"] = "many" }, cancellationToken: cancellationToken);
        badEnvironment.ExitCode.Should().Be(2);
        badEnvironment.Error.Should().Contain("KV_PORT");
    }

    [Test]
    public async Task An_unparsable_port_is_one_line_and_exit_2_not_a_crash(CancellationToken cancellationToken)
    {
        // It used to end in an unhandled exception, a stack trace and exit 134.
        var result = await CliProcess.RunAsync(["--port", "abc", "get", "x"], cancellationToken: cancellationToken);
        result.Should().Be((2, string.Empty, "kv: --port must be a whole number from 1 to 65535, not 'abc'.\nRun 'kv --help' for the options.\n"));
    }

    [Test]
    public async Task The_help_names_the_command_and_gives_each_default_once(CancellationToken cancellationToken)
    {
        var help = await CliProcess.RunAsync(["--help"], cancellationToken: cancellationToken);
        help.ExitCode.Should().Be(0);
        help.Output.Should().Contain("kv [command] [options]").And.NotContain("Kv.Cli");
        System.Text.RegularExpressions.Regex.Matches(help.Output, "6555").Should().HaveCount(1, "the default port is given once");
        System.Text.RegularExpressions.Regex.Matches(help.Output, "127.0.0.1").Should().HaveCount(1);
    }

    [Test]
    public async Task The_interactive_prompt_reads_commands_from_standard_input(CancellationToken cancellationToken)
    {
        const string Input = """
            set cli:shell "two words"
            get cli:shell
            GET cli:nothing
            ping
            ping 'single quoted'
            bogus
            get
            set "unbalanced
            clear cli:shell
            clear cli:shell

            """;

        var result = await CliProcess.RunAsync(["--port", $"{_server.EndPoint.Port}"], Input, cancellationToken: cancellationToken);

        result.ExitCode.Should().Be(0, "the end of the input ends the prompt");
        result.Error.Should().BeEmpty();
        result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().Equal(
            "OK",
            "two words",
            "(nil)",
            "PONG",
            "single quoted",
            "(error) unknown command 'bogus'; type help for the list",
            "(error) wrong number of arguments for 'get': get KEY",
            "(error) Invalid argument(s): unbalanced quotes",
            "two words",
            "(nil)");
    }

    [Test]
    public async Task The_interactive_prompt_stops_at_quit_and_reports_a_server_that_is_down_without_stopping(CancellationToken cancellationToken)
    {
        var down = ApiTests.FreePort();
        var result = await CliProcess.RunAsync(["--port", $"{down}"], "ping\nhelp\nquit\nping\n", cancellationToken: cancellationToken);

        result.ExitCode.Should().Be(0);
        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].Should().StartWith("(error) Could not connect").And.Contain("refused");
        lines.Should().Contain(line => line.Contains("set KEY VALUE"), "help lists the commands");
        lines.Count(line => line.StartsWith("(error)", StringComparison.Ordinal)).Should().Be(1, "nothing runs after quit");
    }

    private Task<(int ExitCode, string Output, string Error)> Kv(CancellationToken cancellationToken, params string[] arguments) =>
        CliProcess.RunAsync(["--port", $"{_server.EndPoint.Port}", .. arguments], cancellationToken: cancellationToken);
}
