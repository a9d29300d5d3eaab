using Kv.Protocol;
using Microsoft.Extensions.Logging;

namespace Kv.Client.Tests;

/// <summary>
/// Credentials: AUTH opens every connection, the first and each reconnection, before anything else; a refused password
/// fails the connection attempt once and is not tried again; the password shows nowhere. Against a fake server that
/// checks the password as docs/protocol.md says a server does.
/// </summary>
[CancelAfter(20_000)]
public class AuthenticationTests
{
    private const string Secret = "s3cret-Pa55";

    [Test]
    public async Task AUTH_is_the_first_request_of_the_connection(CancellationToken cancellationToken)
    {
        await using var server = FakeServer.Start();
        server.RequirePassword("alice", Secret);
        await using var client = await KvClient.ConnectAsync(Options(server) with { User = "alice" }, cancellationToken);

        await client.SetAsync("k", "v", cancellationToken);
        (await client.GetAsync("k", cancellationToken)).Should().Be("v");

        server.Requests().Should().Equal((1, CommandKind.Auth), (1, CommandKind.Ping), (1, CommandKind.Set), (1, CommandKind.Get));
    }

    [Test]
    public async Task Without_a_password_no_AUTH_is_sent(CancellationToken cancellationToken)
    {
        await using var server = FakeServer.Start();
        await using var client = await KvClient.ConnectAsync(server.EndPoint, cancellationToken);
        await client.SetAsync("k", "v", cancellationToken);

        server.Requests().Should().Equal((1, CommandKind.Ping), (1, CommandKind.Set));
    }

    [Test]
    public async Task The_default_user_is_sent_as_the_empty_name(CancellationToken cancellationToken)
    {
        await using var server = FakeServer.Start();
        server.RequirePassword(string.Empty, Secret);
        await using var client = await KvClient.ConnectAsync(Options(server), cancellationToken);
        (await client.ClearAsync("k", cancellationToken)).Should().BeFalse();
    }

    [Test]
    public async Task A_reconnection_authenticates_again_before_any_other_request(CancellationToken cancellationToken)
    {
        await using var server = FakeServer.Start();
        server.RequirePassword(string.Empty, Secret);
        await using var client = await KvClient.ConnectAsync(Options(server), cancellationToken);
        await client.SetAsync("k", "v", cancellationToken);

        server.DropConnections();
        await Waiting.UntilAsync(() => !client.IsConnected, cancellationToken);

        // A burst of callers after the loss: every one waits for the new connection's AUTH, none is refused.
        var calls = Enumerable.Range(0, 50).Select(i => client.SetAsync($"k{i}", "v", cancellationToken).AsTask()).ToList();
        await Task.WhenAll(calls);

        server.AcceptedConnections.Should().Be(2);
        var second = server.Requests().Where(r => r.Connection == 2).Select(r => r.Kind).ToList();
        second.Take(2).Should().Equal(CommandKind.Auth, CommandKind.Ping);
        second.Skip(2).Should().AllBeEquivalentTo(CommandKind.Set).And.HaveCount(50);
    }

    [Test]
    public async Task A_wrong_password_fails_the_connect_with_an_authentication_exception(CancellationToken cancellationToken)
    {
        await using var server = FakeServer.Start();
        server.RequirePassword("alice", "the right one");

        var thrown = await FluentActions.Awaiting(async () => await KvClient.ConnectAsync(Options(server) with { User = "alice" }, cancellationToken))
            .Should().ThrowAsync<KvAuthenticationException>();

        var error = thrown.Which;
        error.Code.Should().Be(ProtocolErrorCode.AuthenticationFailed);
        error.User.Should().Be("alice");
        error.ServerMessage.Should().Be("authentication failed");
        error.Message.Should().Contain(server.EndPoint).And.Contain("'alice'").And.NotContain(Secret);
        error.Should().BeAssignableTo<KvException>();
        server.AcceptedConnections.Should().Be(1, "a refused password is not tried again");
        server.Requests().Select(r => r.Kind).Should().Equal(CommandKind.Auth);
    }

    [Test]
    public async Task A_password_refused_on_a_reconnection_is_not_tried_again(CancellationToken cancellationToken)
    {
        using var logs = new CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(builder => builder.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        await using var server = FakeServer.Start();
        server.RequirePassword(string.Empty, Secret);
        await using var client = await KvClient.ConnectAsync(Options(server) with { LoggerFactory = loggerFactory, ReconnectMinDelay = TimeSpan.Zero, ReconnectMaxDelay = TimeSpan.Zero }, cancellationToken);
        await client.SetAsync("k", "v", cancellationToken);

        // The server's password changes, and the connection is lost.
        server.RequirePassword(string.Empty, "rotated");
        server.DropConnections();
        await Waiting.UntilAsync(() => !client.IsConnected, cancellationToken);

        var first = await FluentActions.Awaiting(async () => await client.GetAsync("k", cancellationToken)).Should().ThrowAsync<KvAuthenticationException>();
        first.Which.Message.Should().NotContain(Secret);

        // No back-off is configured: without the rule, every call would open a connection.
        for (var i = 0; i < 20; i++)
        {
            await FluentActions.Awaiting(async () => await client.SetAsync("k", "v", cancellationToken)).Should().ThrowAsync<KvAuthenticationException>();
        }

        server.AcceptedConnections.Should().Be(2);
        server.Requests().Count(r => r.Connection == 2).Should().Be(1, "the refused AUTH, and nothing after it");
        logs.Entries.Should().NotBeEmpty();
        logs.Entries.Should().NotContain(e => e.Message.Contains(Secret, StringComparison.Ordinal));
    }

    [Test]
    public async Task NotAuthenticated_and_PermissionDenied_are_server_exceptions_with_their_code(CancellationToken cancellationToken)
    {
        await using var server = FakeServer.Start();
        server.RequirePassword(string.Empty, Secret);

        // No password: the PING that checks the connection is allowed, the rest is refused.
        await using var anonymous = await KvClient.ConnectAsync(server.EndPoint, cancellationToken);
        var refused = await FluentActions.Awaiting(async () => await anonymous.SetAsync("k", "v", cancellationToken)).Should().ThrowAsync<KvServerException>();
        refused.Which.Code.Should().Be(ProtocolErrorCode.NotAuthenticated);
        anonymous.IsConnected.Should().BeTrue();

        await using var client = await KvClient.ConnectAsync(Options(server), cancellationToken);
        server.FailNextRequest(ProtocolErrorCode.PermissionDenied, "permission denied");
        var denied = await FluentActions.Awaiting(async () => await client.SetAsync("k", "v", cancellationToken)).Should().ThrowAsync<KvServerException>();
        denied.Which.Code.Should().Be(ProtocolErrorCode.PermissionDenied);
        (await client.PingAsync("still here", cancellationToken)).Should().Be("still here");
    }

    [Test]
    public async Task A_connection_string_carries_the_user_and_password(CancellationToken cancellationToken)
    {
        await using var server = FakeServer.Start();
        server.RequirePassword("app", "p=w");
        await using var client = await KvClient.ConnectAsync($"{server.EndPoint},user=app,password=p=w", cancellationToken);
        await client.SetAsync("k", "v", cancellationToken);
        client.Options.User.Should().Be("app");
    }

    [Test]
    public void The_password_never_appears_in_ToString()
    {
        var options = KvClientOptions.Default with { User = "alice", Password = Secret };
        var text = options.ToString();
        text.Should().NotContain(Secret).And.Contain("User = alice").And.Contain("Password = (set)").And.Contain("EndPoint = 127.0.0.1:6555");
        KvClientOptions.Default.ToString().Should().Contain("Password = (none)");
        options.Should().NotBe(options with { Password = "other" });
    }

    [Test]
    public void Connection_strings_are_parsed()
    {
        var options = KvClientOptions.Parse("cache.local:7000,user=alice,password=" + Secret);
        options.EndPoint.Should().Be("cache.local:7000");
        options.User.Should().Be("alice");
        options.Password.Should().Be(Secret);

        KvClientOptions.Parse("127.0.0.1:6555").Should().Be(KvClientOptions.Default);
        KvClientOptions.Parse(" [::1]:6555 , Password=a=b ").Should().Be(KvClientOptions.Default with { EndPoint = "[::1]:6555", Password = "a=b " });
        KvClientOptions.Parse("h,PASSWORD=x,User= bob").User.Should().Be("bob");

        var defaults = KvClientOptions.Default with { OperationTimeout = TimeSpan.FromSeconds(1) };
        KvClientOptions.Parse("h:1,password=x", defaults).Should().Be(defaults with { EndPoint = "h:1", Password = "x" });
    }

    [TestCase("h:1,tls=true", "*'tls'*user, password, ssl and sslhost*")]
    [TestCase("h:1,ssl=s3cret", "*'ssl' must be true or false*")]
    [TestCase("h:1,password=x,password=y", "*'password' more than once*")]
    [TestCase("h:1,s3cret-Pa55", "*Option 1*no '='*KvClientOptions.Password*")]
    [TestCase("h:1,password=s3cret,Pa55", "*Option 2*no '='*")]
    public void Bad_connection_strings_name_the_option_but_never_a_value(string connectionString, string message)
    {
        var thrown = FluentActions.Invoking(() => KvClientOptions.Parse(connectionString)).Should().Throw<ArgumentException>().Which;
        thrown.Message.Should().Match(message);
        thrown.Message.Should().NotContain("s3cret").And.NotContain("Pa55");
    }

    [Test]
    public async Task Bad_credentials_options_are_argument_errors(CancellationToken cancellationToken)
    {
        await FluentActions.Awaiting(async () => await KvClient.ConnectAsync("127.0.0.1:1,password=", cancellationToken))
            .Should().ThrowAsync<ArgumentException>().WithMessage("Password must not be empty*");
        await FluentActions.Awaiting(async () => await KvClient.ConnectAsync(KvClientOptions.Default with { User = "alice" }, cancellationToken))
            .Should().ThrowAsync<ArgumentException>().WithMessage("User is set without a Password*");
    }

    private static KvClientOptions Options(FakeServer server) => KvClientOptions.Default with { EndPoint = server.EndPoint, Password = Secret };
}
