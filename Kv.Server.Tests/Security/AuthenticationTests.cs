using System.Diagnostics;
using Kv.Protocol;
using Kv.Server.Hosting;
using Kv.Server.Security;

namespace Kv.Server.Tests.Security;

/// <summary>
/// Authentication and permissions over real sockets on loopback, on both transports: the state machine of a connection
/// (unauthenticated, failed, authenticated as a user), each permission, version 0, the delay and the attempt limit.
/// </summary>
[TestFixtureSource(nameof(Transports))]
public class AuthenticationTests(ServerTransport transport)
{
    private const string Secret = "correct horse battery staple";

    public static IEnumerable<ServerTransport> Transports => [ServerTransport.EventLoop, ServerTransport.Sockets];

    /// <summary>Users whose hashes take few iterations, so that tests are quick (the format is the production one).</summary>
    internal static UserDirectory Users() => UserDirectory.Parse(
        [
            "# test users",
            $"reader read {PasswordHash.Create("reader-pw", PasswordHash.MinimumIterations)}",
            $"writer readwrite {PasswordHash.Create("writer-pw", PasswordHash.MinimumIterations)}",
            "",
            $"root admin {PasswordHash.Create(Secret, PasswordHash.MinimumIterations)}",
        ],
        "test users");

    [Test]
    public async Task Before_auth_every_command_but_auth_and_ping_is_refused_NotAuthenticated_and_the_connection_stays()
    {
        await using var server = Start(Users());
        using var connection = await server.ConnectAsync();

        foreach (var command in new[] { Command.Get("k", ProtocolVersion.V1, 1), Command.Set("k", "v", ProtocolVersion.V1, 2), Command.Clear("k", ProtocolVersion.V1, 3), Command.Ttl("k", 4), Command.SetX("k", "v", requestId: 5) })
        {
            var response = await connection.ExecuteAsync(command);
            response.Status.Should().Be(ResponseStatus.Error, "{0}", command);
            response.ErrorCode.Should().Be(ProtocolErrorCode.NotAuthenticated);
            response.RequestId.Should().Be(command.RequestId);
            response.PayloadText.Should().Contain("AUTH");
        }

        (await connection.ExecuteAsync(Command.Ping("", ProtocolVersion.V1, 6))).PayloadText.Should().Be("PONG");
        (await connection.ExecuteAsync(Command.Auth("root", Secret, 7))).Status.Should().Be(ResponseStatus.Ok);
        (await connection.ExecuteAsync(Command.Get("k", ProtocolVersion.V1, 8))).Status.Should().Be(ResponseStatus.NotFound, "nothing was written before the AUTH");
        server.Errors.Should().BeEmpty();
    }

    [Test]
    public async Task A_wrong_password_is_answered_AuthenticationFailed_no_sooner_than_the_delay_and_logged_without_the_password()
    {
        await using var server = Start(Users());
        using var connection = await server.ConnectAsync();

        var watch = Stopwatch.StartNew();
        var response = await connection.ExecuteAsync(Command.Auth("root", "hunter2-wrong", 9));
        watch.Elapsed.Should().BeGreaterThanOrEqualTo(Authentication.FailureDelay, "a failure is answered after the delay (a lower bound)");
        response.Status.Should().Be(ResponseStatus.Error);
        response.ErrorCode.Should().Be(ProtocolErrorCode.AuthenticationFailed);
        response.RequestId.Should().Be(9);

        // An unknown user is answered the same way, after the same delay.
        watch.Restart();
        (await connection.ExecuteAsync(Command.Auth("nobody", "hunter2-wrong", 10))).ErrorCode.Should().Be(ProtocolErrorCode.AuthenticationFailed);
        watch.Elapsed.Should().BeGreaterThanOrEqualTo(Authentication.FailureDelay);

        (await connection.ExecuteAsync(Command.Get("k", ProtocolVersion.V1, 11))).ErrorCode.Should().Be(ProtocolErrorCode.NotAuthenticated, "a failed AUTH authenticates nothing");
        (await connection.ExecuteAsync(Command.Auth("root", Secret, 12))).Status.Should().Be(ResponseStatus.Ok, "the connection stays open after a failure");

        await Waiting.UntilAsync(() => server.Warnings.Count >= 2, TimeSpan.FromSeconds(5));
        server.Warnings.Should().HaveCount(2).And.OnlyContain(w => w.Contains("authentication failed", StringComparison.Ordinal) && w.Contains("127.0.0.1", StringComparison.Ordinal));
        server.Warnings.Should().Contain(w => w.Contains("'root'", StringComparison.Ordinal)).And.Contain(w => w.Contains("'nobody'", StringComparison.Ordinal));
        server.Warnings.Should().NotContain(w => w.Contains("hunter2", StringComparison.Ordinal) || w.Contains(Secret, StringComparison.Ordinal));
        server.Errors.Should().BeEmpty();
    }

    [Test]
    public async Task Requests_pipelined_behind_a_failing_auth_wait_for_its_answer_and_are_answered_in_order()
    {
        await using var server = Start(Users());
        using var connection = await server.ConnectAsync();

        await connection.SendAsync(WireConnection.Encode([Command.Auth("root", "wrong", 1), Command.Ping("a", ProtocolVersion.V1, 2), Command.Auth("root", Secret, 3), Command.Set("k", "v", ProtocolVersion.V1, 4), Command.Get("k", ProtocolVersion.V1, 5)]));
        var responses = new List<Response>();
        for (var i = 0; i < 5; i++)
        {
            responses.Add(await connection.ReadResponseAsync());
        }

        responses.Select(r => r.RequestId).Should().Equal(1u, 2u, 3u, 4u, 5u);
        responses[0].ErrorCode.Should().Be(ProtocolErrorCode.AuthenticationFailed);
        responses[1].PayloadText.Should().Be("a");
        responses[2].Status.Should().Be(ResponseStatus.Ok);
        responses[3].Status.Should().Be(ResponseStatus.Ok);
        responses[4].PayloadText.Should().Be("v");
    }

    [Test]
    public async Task The_connection_is_closed_after_the_attempt_limit()
    {
        await using var server = Start(Users());
        using var connection = await server.ConnectAsync();

        for (var attempt = 1; attempt <= Authentication.MaxFailuresPerConnection; attempt++)
        {
            var response = await connection.ExecuteAsync(Command.Auth("root", $"guess-{attempt}", (uint)attempt));
            response.ErrorCode.Should().Be(ProtocolErrorCode.AuthenticationFailed, "attempt {0}", attempt);
        }

        (await connection.IsClosedByServerAsync(TimeSpan.FromSeconds(10))).Should().BeTrue("the last failure allowed closes the connection");
        await Waiting.UntilAsync(() => server.Warnings.Any(w => w.Contains("closed after", StringComparison.Ordinal)), TimeSpan.FromSeconds(5));
        server.Warnings.Should().Contain(w => w.Contains($"closed after {Authentication.MaxFailuresPerConnection} failed", StringComparison.Ordinal));

        // Another connection is not affected, and may authenticate.
        using var other = await server.ConnectAsync();
        (await other.ExecuteAsync(Command.Auth("root", Secret, 1))).Status.Should().Be(ResponseStatus.Ok);
        server.Errors.Should().BeEmpty();
    }

    [Test]
    public async Task A_read_user_can_read_but_not_write()
    {
        await using var server = Start(Users());
        using (var writer = await server.ConnectAsync())
        {
            (await writer.ExecuteAsync(Command.Auth("writer", "writer-pw", 1))).Status.Should().Be(ResponseStatus.Ok);
            (await writer.ExecuteAsync(Command.Set("k", "v", ProtocolVersion.V1, 2))).Status.Should().Be(ResponseStatus.Ok);
        }

        using var reader = await server.ConnectAsync();
        (await reader.ExecuteAsync(Command.Auth("reader", "reader-pw", 1))).Status.Should().Be(ResponseStatus.Ok);
        (await reader.ExecuteAsync(Command.Get("k", ProtocolVersion.V1, 2))).PayloadText.Should().Be("v");
        (await reader.ExecuteAsync(Command.Ttl("k", 3))).TryReadTimeToLive(out var ttl).Should().BeTrue();
        ttl.Should().Be(-1);
        (await reader.ExecuteAsync(Command.Ping("", ProtocolVersion.V1, 4))).PayloadText.Should().Be("PONG");
        (await reader.ExecuteAsync(Command.Get("k"))).PayloadText.Should().Be("v", "version 0 works once the connection has authenticated in version 1");

        foreach (var command in new[] { Command.Set("k", "w", ProtocolVersion.V1, 5), Command.Clear("k", ProtocolVersion.V1, 6), Command.SetX("k", "w", requestId: 7), Command.Expire("k", ExpireFlags.RelativeExpiry, 1000, 8), Command.Persist("k", 9), Command.GetEx("k", requestId: 10), Command.GetDel("k", 11) })
        {
            var response = await reader.ExecuteAsync(command);
            response.ErrorCode.Should().Be(ProtocolErrorCode.PermissionDenied, "{0}", command);
            response.RequestId.Should().Be(command.RequestId);
            response.PayloadText.Should().Contain("reader").And.Contain("read");
        }

        var refusedInVersion0 = await reader.ExecuteAsync(Command.Set("k", "w"));
        refusedInVersion0.Status.Should().Be(ResponseStatus.Error);
        refusedInVersion0.PayloadText.Should().StartWith("permission denied");
        (await reader.ExecuteAsync(Command.Get("k", ProtocolVersion.V1, 12))).PayloadText.Should().Be("v", "no refused command changed anything");
    }

    [Test]
    public async Task A_readwrite_user_and_an_admin_run_every_command()
    {
        await using var server = Start(Users());
        foreach (var (user, password) in new[] { ("writer", "writer-pw"), ("root", Secret) })
        {
            using var connection = await server.ConnectAsync();
            (await connection.ExecuteAsync(Command.Auth(user, password, 1))).Status.Should().Be(ResponseStatus.Ok);
            await connection.ExecuteAsync(Command.Set("k", "v", ProtocolVersion.V1, 2));
            foreach (var spec in CommandTable.All.Where(s => s.Kind != CommandKind.Auth))
            {
                var (flags, time) = spec.Kind == CommandKind.Expire ? ((ushort)ExpireFlags.RelativeExpiry, 3_600_000L) : ((ushort)0, 0L);
                var command = new Command(spec.Kind, spec.HasKey ? "k"u8.ToArray() : [], spec.HasValue ? "v"u8.ToArray() : [], flags, time, ProtocolVersion.V1, 5);
                var response = await connection.ExecuteAsync(command);
                response.Status.Should().NotBe(ResponseStatus.Error, "{0} as {1}", spec, user);
                await connection.ExecuteAsync(Command.Set("k", "v", ProtocolVersion.V1, 6));
            }
        }
    }

    [Test]
    public async Task A_later_auth_switches_user_and_a_failed_one_keeps_the_current_user()
    {
        await using var server = Start(Users());
        using var connection = await server.ConnectAsync();
        (await connection.ExecuteAsync(Command.Auth("writer", "writer-pw", 1))).Status.Should().Be(ResponseStatus.Ok);
        (await connection.ExecuteAsync(Command.Auth("root", "wrong", 2))).ErrorCode.Should().Be(ProtocolErrorCode.AuthenticationFailed);
        (await connection.ExecuteAsync(Command.Set("k", "v", ProtocolVersion.V1, 3))).Status.Should().Be(ResponseStatus.Ok, "still the writer");
        (await connection.ExecuteAsync(Command.Auth("reader", "reader-pw", 4))).Status.Should().Be(ResponseStatus.Ok);
        (await connection.ExecuteAsync(Command.Set("k", "w", ProtocolVersion.V1, 5))).ErrorCode.Should().Be(ProtocolErrorCode.PermissionDenied, "now the reader");
    }

    [Test]
    public async Task The_password_shortcut_is_user_default_or_the_empty_user_with_every_permission()
    {
        await using var server = Start(UserDirectory.FromPassword(Secret));
        using (var connection = await server.ConnectAsync())
        {
            (await connection.ExecuteAsync(Command.Get("k", ProtocolVersion.V1, 1))).ErrorCode.Should().Be(ProtocolErrorCode.NotAuthenticated);
            (await connection.ExecuteAsync(Command.Auth("", "wrong", 2))).ErrorCode.Should().Be(ProtocolErrorCode.AuthenticationFailed);
            (await connection.ExecuteAsync(Command.Auth("", Secret, 3))).Status.Should().Be(ResponseStatus.Ok);
            (await connection.ExecuteAsync(Command.Set("k", "v", ProtocolVersion.V1, 4))).Status.Should().Be(ResponseStatus.Ok);
        }

        using var named = await server.ConnectAsync();
        (await named.ExecuteAsync(Command.Auth(UserDirectory.DefaultUser, Secret, 1))).Status.Should().Be(ResponseStatus.Ok);
        (await named.ExecuteAsync(Command.GetDel("k", 2))).PayloadText.Should().Be("v");
    }

    [Test]
    public async Task Version_0_is_refused_with_a_message_and_closed_when_authentication_is_on()
    {
        await using var server = Start(Users());
        foreach (var command in new[] { Command.Get("k"), Command.Ping() })
        {
            using var connection = await server.ConnectAsync();
            var response = await connection.ExecuteAsync(command);
            response.Version.Should().Be(ProtocolVersion.V0);
            response.Status.Should().Be(ResponseStatus.Error);
            response.PayloadText.Should().Contain("authentication is on").And.Contain("version 0 cannot authenticate").And.Contain("docs/security.md");
            (await connection.IsClosedByServerAsync(TimeSpan.FromSeconds(10))).Should().BeTrue();
        }

        server.Errors.Should().BeEmpty();
    }

    [Test]
    public async Task A_graceful_stop_answers_an_auth_being_checked_and_the_requests_behind_it()
    {
        await using var server = Start(Users());
        using var connection = await server.ConnectAsync();
        (await connection.ExecuteAsync(Command.Ping("", ProtocolVersion.V1, 1))).PayloadText.Should().Be("PONG");

        await connection.SendAsync(WireConnection.Encode([Command.Auth("root", "wrong", 2), Command.Get("k", ProtocolVersion.V1, 3)]));
        await Task.Delay(50);
        var stopping = server.StopAsync();

        (await connection.ReadResponseAsync()).ErrorCode.Should().Be(ProtocolErrorCode.AuthenticationFailed);
        (await connection.ReadResponseAsync()).ErrorCode.Should().Be(ProtocolErrorCode.NotAuthenticated);
        (await connection.IsClosedByServerAsync(TimeSpan.FromSeconds(10))).Should().BeTrue();
        await stopping;
        server.Errors.Should().BeEmpty();
    }

    [Test]
    public async Task Without_authentication_nothing_changes_and_auth_is_answered_ok()
    {
        await using var server = InProcessServer.Start(o => o with { Transport = transport });
        using var connection = await server.ConnectAsync();
        (await connection.ExecuteAsync(Command.Set("k", "v"))).PayloadText.Should().Be("k");
        (await connection.ExecuteAsync(Command.Get("k"))).PayloadText.Should().Be("v");
        (await connection.ExecuteAsync(Command.Get("k", ProtocolVersion.V1, 1))).PayloadText.Should().Be("v");
        var auth = await connection.ExecuteAsync(Command.Auth("anyone", "anything", 2));
        auth.Status.Should().Be(ResponseStatus.Ok);
        auth.Payload.Length.Should().Be(0);
        (await connection.ExecuteAsync(Command.Set("k", "w", ProtocolVersion.V1, 3))).Status.Should().Be(ResponseStatus.Ok);
        server.Warnings.Should().BeEmpty();
    }

    private InProcessServer Start(UserDirectory users) => InProcessServer.Start(o => o with { Transport = transport, Users = users });
}
