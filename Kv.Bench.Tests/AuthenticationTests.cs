using System.Globalization;
using System.Text;
using CommunityToolkit.HighPerformance.Buffers;
using Kv.Bench.Wire;
using Kv.Protocol;
using Kv.Server.Security;
using Kv.Testing;
using Kv.Testing.Servers;

namespace Kv.Bench.Tests;

/// <summary>kv-bench's <c>--user</c>/<c>--password</c>: the AUTH it writes in each protocol, and runs against a server with a password.</summary>
[CancelAfter(60_000)]
public class AuthenticationTests
{
    private const string Password = "bench-s3cret";

    private static readonly string BenchPath = ToolProcess.RecordedPath(typeof(AuthenticationTests).Assembly, "KvBenchPath");

    [Test]
    public void The_kv_AUTH_is_Kv_Protocols_frame()
    {
        using var output = new ArrayPoolBufferWriter<byte>();
        new KvWireProtocol(ProtocolVersion.V1).WriteAuth(output, 30, "app", "secret");

        // docs/protocol.md, v1.auth.
        Convert.ToHexString(output.WrittenSpan).Should().Be("01000A0000001E000000110000000361707000000006736563726574");
    }

    [Test]
    public void The_default_user_is_the_empty_name_in_kv_and_left_out_in_RESP()
    {
        using var kv = new ArrayPoolBufferWriter<byte>();
        new KvWireProtocol(ProtocolVersion.V1).WriteAuth(kv, 31, null, "pw");
        Convert.ToHexString(kv.WrittenSpan).Should().Be("01000A0000001F0000000A00000000000000027077");

        using var resp = new ArrayPoolBufferWriter<byte>();
        new RespWireProtocol().WriteAuth(resp, 0, null, "pw");
        Encoding.ASCII.GetString(resp.WrittenSpan).Should().Be("*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n");
    }

    [Test]
    public void The_RESP_AUTH_names_the_user_as_Redis_6_takes_it()
    {
        using var resp = new ArrayPoolBufferWriter<byte>();
        new RespWireProtocol().WriteAuth(resp, 0, "alice", "secret");
        Encoding.ASCII.GetString(resp.WrittenSpan).Should().Be("*3\r\n$4\r\nAUTH\r\n$5\r\nalice\r\n$6\r\nsecret\r\n");
    }

    [Test]
    public async Task A_run_with_the_password_authenticates_every_connection(CancellationToken cancellationToken)
    {
        await using var server = StartServer();
        var result = await Bench(server, ["--password", Password, "-c", "4", "-t", "set,get", "-n", "2000", "--warmup", "0", "--csv"], null, cancellationToken);
        result.Error.Should().BeEmpty();
        result.ExitCode.Should().Be(0);
        result.Output.Should().Contain("SET").And.Contain("GET");

        var fromEnvironment = await Bench(server, ["-c", "2", "-t", "ping", "-n", "200", "--warmup", "0", "--csv"], new Dictionary<string, string?> { ["KV_PASSWORD"] = Password }, cancellationToken);
        fromEnvironment.ExitCode.Should().Be(0, fromEnvironment.Error);
    }

    [Test]
    public async Task A_wrong_password_exits_2_before_the_load_with_a_message(CancellationToken cancellationToken)
    {
        await using var server = StartServer();
        var result = await Bench(server, ["--password", "wrong-guess", "-c", "2", "-t", "set", "-n", "1000", "--warmup", "0"], null, cancellationToken);
        result.ExitCode.Should().Be(2);
        result.Output.Should().BeEmpty();
        result.Error.Should().Be($"kv-bench: 127.0.0.1:{Port(server)}: AUTH refused: authentication failed (check --user and --password, or KV_USER and KV_PASSWORD)\n");
        result.Error.Should().NotContain("wrong-guess");
    }

    [Test]
    public async Task Without_a_password_the_requests_are_refused_and_counted_as_errors(CancellationToken cancellationToken)
    {
        await using var server = StartServer();
        var result = await Bench(server, ["-c", "1", "-t", "set", "-n", "100", "--warmup", "0", "--csv"], null, cancellationToken);
        result.ExitCode.Should().Be(1, "every SET is answered NotAuthenticated");
    }

    [TestCase(new[] { "--password", "x", "--kv-version", "0" }, "kv-bench: --password needs AUTH, which protocol version 0 does not have: use --kv-version 1.\n")]
    [TestCase(new[] { "--user", "alice" }, "kv-bench: --user (KV_USER) needs --password (KV_PASSWORD).\n")]
    public async Task Options_that_cannot_authenticate_exit_2(string[] arguments, string message, CancellationToken cancellationToken)
    {
        var result = await ToolProcess.RunAsync(BenchPath, ["-p", "1", "-n", "1", .. arguments], environment: Environment(null), cancellationToken: cancellationToken);
        result.Should().Be((2, string.Empty, message));
    }

    [Test]
    public async Task The_help_shows_the_options_but_never_the_password_from_the_environment(CancellationToken cancellationToken)
    {
        var result = await ToolProcess.RunAsync(BenchPath, ["--help"], environment: Environment(new Dictionary<string, string?> { ["KV_PASSWORD"] = "env-secret-5678" }), cancellationToken: cancellationToken);
        result.ExitCode.Should().Be(0);
        result.Output.Should().Contain("--user").And.Contain("--password").And.Contain("KV_PASSWORD").And.NotContain("env-secret-5678");
    }

    private static InProcessServer StartServer() =>
        InProcessServer.Start(o => o with { Users = UserDirectory.FromPassword(Password), ShutdownTimeout = TimeSpan.FromSeconds(2) });

    private static string Port(InProcessServer server) => server.EndPoint.Port.ToString(CultureInfo.InvariantCulture);

    private static Dictionary<string, string?> Environment(Dictionary<string, string?>? given)
    {
        var environment = new Dictionary<string, string?> { ["KV_USER"] = null, ["KV_PASSWORD"] = null };
        foreach (var (name, value) in given ?? [])
        {
            environment[name] = value;
        }

        return environment;
    }

    private static Task<(int ExitCode, string Output, string Error)> Bench(InProcessServer server, string[] arguments, Dictionary<string, string?>? environment, CancellationToken cancellationToken) =>
        ToolProcess.RunAsync(BenchPath, ["-h", "127.0.0.1", "-p", Port(server), .. arguments], environment: Environment(environment), cancellationToken: cancellationToken);
}
