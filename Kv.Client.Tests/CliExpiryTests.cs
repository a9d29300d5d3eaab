using System.Globalization;

namespace Kv.Client.Tests;

/// <summary>The <c>kv</c> expiry commands (set's options, ttl, expire, persist, getex, getdel), run as a real process against a real in-process server.</summary>
[CancelAfter(120_000)]
public class CliExpiryTests
{
    private InProcessServer _server = null!;

    [OneTimeSetUp]
    public void StartServer() => _server = InProcessServer.Start(ClientTestServer.Options);

    [OneTimeTearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    [Test]
    public async Task Set_with_ttl_and_nx_says_what_happened_and_ttl_prints_the_time_left(CancellationToken cancellationToken)
    {
        (await Kv(cancellationToken, "set", "cli:lock", "owner", "--ttl", "10s", "--nx")).Should().Be((0, "OK\n", string.Empty));
        (await Kv(cancellationToken, "set", "cli:lock", "other", "--ttl", "10s", "--nx")).Should().Be((1, "not set: key exists\n", string.Empty));
        (await Kv(cancellationToken, "get", "cli:lock")).Should().Be((0, "owner\n", string.Empty));

        var ttl = await Kv(cancellationToken, "ttl", "cli:lock");
        ttl.ExitCode.Should().Be(0);
        ttl.Output.Should().MatchRegex(@"^[0-9](\.[0-9]{1,3})?s\n$|^10s\n$", "less than 10 s are left");

        var milliseconds = await Kv(cancellationToken, "ttl", "cli:lock", "--ms");
        milliseconds.ExitCode.Should().Be(0);
        long.Parse(milliseconds.Output, CultureInfo.InvariantCulture).Should().BeInRange(1, 10_000);
    }

    [Test]
    public async Task Ttl_has_three_distinct_answers(CancellationToken cancellationToken)
    {
        (await Kv(cancellationToken, "ttl", "cli:ttl-missing")).Should().Be((1, string.Empty, "(nil)\n"), "a missing key exits 1, as kv get does");

        await Kv(cancellationToken, "set", "cli:ttl", "v");
        (await Kv(cancellationToken, "ttl", "cli:ttl")).Should().Be((0, "no expiry\n", string.Empty));

        await Kv(cancellationToken, "set", "cli:ttl", "v", "--ttl", "90m");
        var left = await Kv(cancellationToken, "ttl", "cli:ttl");
        left.ExitCode.Should().Be(0);
        left.Output.Should().MatchRegex(@"^1h 29m [0-9.]+s\n$|^1h 30m\n$");
    }

    [Test]
    public async Task Set_xx_get_and_keep_ttl(CancellationToken cancellationToken)
    {
        (await Kv(cancellationToken, "set", "cli:xx", "v0", "--xx")).Should().Be((1, "not set: key does not exist\n", string.Empty));
        (await Kv(cancellationToken, "get", "cli:xx")).ExitCode.Should().Be(1);

        (await Kv(cancellationToken, "set", "cli:xx", "v1", "--ttl", "1h")).Should().Be((0, "OK\n", string.Empty));
        (await Kv(cancellationToken, "set", "cli:xx", "v2", "--xx", "--keep-ttl", "--get")).Should().Be((0, "v1\n", string.Empty));
        (await Kv(cancellationToken, "ttl", "cli:xx")).Output.Should().MatchRegex(@"^(59m [0-9.]+s|1h)\n$", "KEEPTTL kept the hour");

        (await Kv(cancellationToken, "set", "cli:xx", "v3", "--get")).Should().Be((0, "v2\n", string.Empty));
        (await Kv(cancellationToken, "ttl", "cli:xx")).Output.Should().Be("no expiry\n", "a set without --keep-ttl clears the expiry");

        (await Kv(cancellationToken, "set", "cli:get-new", "v", "--get")).Should().Be((0, string.Empty, "(nil)\n"));
        (await Kv(cancellationToken, "set", "cli:get-new", "w", "--nx", "--get")).Should().Be((1, "v\n", "not set: key exists\n"));
    }

    [Test]
    public async Task Set_at_an_absolute_time(CancellationToken cancellationToken)
    {
        (await Kv(cancellationToken, "set", "cli:at", "v", "--at", "2099-01-01T00:00:00Z")).Should().Be((0, "OK\n", string.Empty));
        (await Kv(cancellationToken, "ttl", "cli:at")).Output.Should().MatchRegex(@"^[0-9]+d ");

        var inAnHour = (DateTimeOffset.UtcNow + TimeSpan.FromHours(1)).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        (await Kv(cancellationToken, "set", "cli:at", "w", "--at", inAnHour)).Should().Be((0, "OK\n", string.Empty));
        (await Kv(cancellationToken, "ttl", "cli:at")).Output.Should().MatchRegex(@"^(59m [0-9.]+s|1h)\n$");

        (await Kv(cancellationToken, "set", "cli:at", "gone", "--at", "1000000000000")).Should().Be((0, "OK\n", string.Empty));
        (await Kv(cancellationToken, "get", "cli:at")).ExitCode.Should().Be(1, "a time already past removes the key");
    }

    [Test]
    public async Task Expire_with_conditions_and_persist(CancellationToken cancellationToken)
    {
        (await Kv(cancellationToken, "expire", "cli:exp-missing", "30s")).Should().Be((1, string.Empty, "(nil)\n"));
        (await Kv(cancellationToken, "persist", "cli:exp-missing")).Should().Be((1, string.Empty, "(nil)\n"));

        await Kv(cancellationToken, "set", "cli:exp", "v");
        (await Kv(cancellationToken, "expire", "cli:exp", "30s", "--xx")).Should().Be((1, "not set: the key has no expiry (--xx)\n", string.Empty));
        (await Kv(cancellationToken, "expire", "cli:exp", "30s", "--nx")).Should().Be((0, "OK\n", string.Empty));
        (await Kv(cancellationToken, "expire", "cli:exp", "1h", "--nx")).Should().Be((1, "not set: the key has an expiry (--nx)\n", string.Empty));
        (await Kv(cancellationToken, "expire", "cli:exp", "1h", "--gt")).Should().Be((0, "OK\n", string.Empty));
        (await Kv(cancellationToken, "expire", "cli:exp", "10s", "--xx", "--gt")).Should().Be((1, "not set: the condition does not hold\n", string.Empty));
        (await Kv(cancellationToken, "expire", "cli:exp", "2h", "--lt")).ExitCode.Should().Be(1);
        (await Kv(cancellationToken, "expire", "cli:exp", "5m", "--lt")).Should().Be((0, "OK\n", string.Empty));
        (await Kv(cancellationToken, "ttl", "cli:exp")).Output.Should().MatchRegex(@"^(4m [0-9.]+s|5m)\n$");

        (await Kv(cancellationToken, "persist", "cli:exp")).Should().Be((0, "OK\n", string.Empty));
        (await Kv(cancellationToken, "persist", "cli:exp")).Should().Be((0, "no expiry\n", string.Empty));

        (await Kv(cancellationToken, "expire", "cli:exp", "--at", "2099-01-01T00:00:00Z")).Should().Be((0, "OK\n", string.Empty));
        (await Kv(cancellationToken, "ttl", "cli:exp")).Output.Should().MatchRegex(@"^[0-9]+d ");
        (await Kv(cancellationToken, "expire", "cli:exp", "0")).Should().Be((0, "OK\n", string.Empty));
        (await Kv(cancellationToken, "get", "cli:exp")).ExitCode.Should().Be(1, "an expiry of 0 removes the key");
    }

    [Test]
    public async Task Getex_sets_or_removes_the_expiry_and_getdel_removes_the_key(CancellationToken cancellationToken)
    {
        (await Kv(cancellationToken, "getex", "cli:getex", "--ttl", "90s")).Should().Be((1, string.Empty, "(nil)\n"));

        await Kv(cancellationToken, "set", "cli:getex", "value");
        (await Kv(cancellationToken, "getex", "cli:getex", "--ttl", "90s")).Should().Be((0, "value\n", string.Empty));
        (await Kv(cancellationToken, "ttl", "cli:getex")).Output.Should().MatchRegex(@"^(1m [0-9.]+s|1m 30s)\n$");
        (await Kv(cancellationToken, "getex", "cli:getex", "--persist")).Should().Be((0, "value\n", string.Empty));
        (await Kv(cancellationToken, "ttl", "cli:getex")).Output.Should().Be("no expiry\n");
        (await Kv(cancellationToken, "getex", "cli:getex", "--at", "2099-01-01T00:00:00Z")).Should().Be((0, "value\n", string.Empty));
        (await Kv(cancellationToken, "getex", "cli:getex")).Should().Be((0, "value\n", string.Empty), "without an option, a plain read");
        (await Kv(cancellationToken, "ttl", "cli:getex")).Output.Should().MatchRegex(@"^[0-9]+d ");

        (await Kv(cancellationToken, "getdel", "cli:getex")).Should().Be((0, "value\n", string.Empty));
        (await Kv(cancellationToken, "getdel", "cli:getex")).Should().Be((1, string.Empty, "(nil)\n"));
    }

    [Test]
    public async Task A_short_ttl_set_from_the_command_line_expires(CancellationToken cancellationToken)
    {
        (await Kv(cancellationToken, "set", "cli:short", "v", "--ttl", "300ms")).Should().Be((0, "OK\n", string.Empty));

        (await Waiting.UntilAsync(async () => (await Kv(cancellationToken, "get", "cli:short")).ExitCode == 1, TimeSpan.FromSeconds(30)))
            .Should().BeTrue("the key expires 300 ms after it was set");
        (await Kv(cancellationToken, "ttl", "cli:short")).ExitCode.Should().Be(1);
    }

    [TestCase("set k v --ttl 0", "--ttl must be a duration")]
    [TestCase("set k v --ttl abc", "--ttl must be a duration")]
    [TestCase("set k v --ttl 5s --keep-ttl", "--ttl and --keep-ttl cannot be combined")]
    [TestCase("set k v --ttl 5s --at 4070908800000", "--ttl and --at cannot be combined")]
    [TestCase("set k v --nx --xx", "--nx and --xx cannot be combined")]
    [TestCase("set k v --at yesterday", "--at must be a Unix time in milliseconds or an ISO 8601 time")]
    [TestCase("expire k", "expire takes either DURATION or --at TIME")]
    [TestCase("expire k 5s --at 4070908800000", "expire takes either DURATION or --at TIME")]
    [TestCase("expire k 5x", "DURATION must be a duration")]
    [TestCase("expire k 5s --nx --lt", "--nx and --lt cannot be combined")]
    [TestCase("expire k 5s --gt --lt", "--gt and --lt cannot be combined")]
    [TestCase("getex k --ttl 1s --persist", "--ttl and --persist cannot be combined")]
    public async Task Bad_expiry_arguments_exit_2_with_a_message_and_send_nothing(string arguments, string message, CancellationToken cancellationToken)
    {
        // No server listens on this port: a message about the arguments, not the connection, shows nothing was tried.
        var result = await CliProcess.RunAsync(["--port", $"{ApiTests.FreePort()}", .. arguments.Split(' ')], cancellationToken: cancellationToken);

        result.ExitCode.Should().Be(2);
        result.Output.Should().BeEmpty();
        result.Error.Should().StartWith($"kv: {message}").And.NotContain("refused");
    }

    private Task<(int ExitCode, string Output, string Error)> Kv(CancellationToken cancellationToken, params string[] arguments) =>
        CliProcess.RunAsync(["--port", $"{_server.EndPoint.Port}", .. arguments], cancellationToken: cancellationToken);
}
