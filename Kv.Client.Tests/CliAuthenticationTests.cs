namespace Kv.Client.Tests;

/// <summary><c>kv --user --password</c> (and <c>KV_USER</c>, <c>KV_PASSWORD</c>) as a real process against a real server with users.</summary>
[CancelAfter(60_000)]
public class CliAuthenticationTests
{
    private InProcessServer _server = null!;

    [OneTimeSetUp]
    public void StartServer() => _server = InProcessServer.Start(o => ClientTestServer.Options(o) with { Users = AuthenticationEndToEndTests.Users() });

    [OneTimeTearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    [Test]
    public async Task User_and_password_options_authenticate_the_command(CancellationToken cancellationToken)
    {
        (await Kv(cancellationToken, null, "--user", "alice", "--password", AuthenticationEndToEndTests.AlicePassword, "set", "cli:auth", "v")).Should().Be((0, "OK\n", string.Empty));
        (await Kv(cancellationToken, null, "get", "cli:auth", "--user", "reader", "--password", AuthenticationEndToEndTests.ReaderPassword)).Should().Be((0, "v\n", string.Empty));
    }

    [Test]
    public async Task KV_USER_and_KV_PASSWORD_are_read_from_the_environment(CancellationToken cancellationToken)
    {
        var environment = new Dictionary<string, string?> { ["KV_USER"] = "reader", ["KV_PASSWORD"] = AuthenticationEndToEndTests.ReaderPassword };
        (await Kv(cancellationToken, environment, "ping", "authenticated")).Should().Be((0, "authenticated\n", string.Empty));

        // A read-only user: the write is refused with the server's code.
        var denied = await Kv(cancellationToken, environment, "set", "cli:auth", "x");
        denied.ExitCode.Should().Be(2);
        denied.Error.Should().StartWith("kv: server error PermissionDenied");
    }

    [Test]
    public async Task A_wrong_password_exits_2_with_a_message_that_does_not_show_it(CancellationToken cancellationToken)
    {
        var result = await Kv(cancellationToken, null, "--user", "alice", "--password", "wrong-horse", "get", "cli:auth");
        result.ExitCode.Should().Be(2);
        result.Output.Should().BeEmpty();
        result.Error.Should().Be("kv: authentication failed for user 'alice': authentication failed (check --user and --password, or KV_USER and KV_PASSWORD)\n");
        result.Error.Should().NotContain("wrong-horse");
    }

    [Test]
    public async Task No_password_exits_2_and_says_to_give_one(CancellationToken cancellationToken)
    {
        var result = await Kv(cancellationToken, null, "get", "cli:auth");
        result.ExitCode.Should().Be(2);
        result.Error.Should().StartWith("kv: server error NotAuthenticated").And.Contain("--password");
    }

    [Test]
    public async Task The_prompt_authenticates_once_for_all_its_commands(CancellationToken cancellationToken)
    {
        var environment = new Dictionary<string, string?> { ["KV_PASSWORD"] = AuthenticationEndToEndTests.AlicePassword };
        var result = await CliProcess.RunAsync(
            ["-p", Port, "--user", "alice"], input: "set cli:prompt hello\nget cli:prompt\n", environment: Environment(environment), cancellationToken: cancellationToken);
        result.Should().Be((0, "OK\nhello\n", string.Empty));
    }

    [Test]
    public async Task The_help_never_shows_the_password_from_the_environment(CancellationToken cancellationToken)
    {
        var environment = new Dictionary<string, string?> { ["KV_PASSWORD"] = "env-secret-1234" };
        var result = await Kv(cancellationToken, environment, "--help");
        result.ExitCode.Should().Be(0);
        result.Output.Should().Contain("--password").And.Contain("KV_PASSWORD").And.Contain("--user").And.NotContain("env-secret-1234");
    }

    private string Port => _server.EndPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static Dictionary<string, string?> Environment(Dictionary<string, string?>? given)
    {
        var environment = new Dictionary<string, string?> { ["KV_USER"] = null, ["KV_PASSWORD"] = null };
        foreach (var (name, value) in given ?? [])
        {
            environment[name] = value;
        }

        return environment;
    }

    private Task<(int ExitCode, string Output, string Error)> Kv(CancellationToken cancellationToken, Dictionary<string, string?>? environment, params string[] arguments) =>
        CliProcess.RunAsync(["-p", Port, .. arguments], environment: Environment(environment), cancellationToken: cancellationToken);
}
