using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Kv.Protocol;
using Kv.Server.Security;

namespace Kv.Client.Tests;

/// <summary>The client's credentials against the real server with authentication on (<c>--users</c> and <c>--password</c>).</summary>
[CancelAfter(30_000)]
public class AuthenticationEndToEndTests
{
    internal const string AlicePassword = "alice, the writer's = password";
    internal const string ReaderPassword = "reader-pw";

    /// <summary>A users file's lines, hashed with few iterations so that tests are quick (the format is the production one).</summary>
    internal static UserDirectory Users() => UserDirectory.Parse(
        [
            $"alice readwrite {Hash(AlicePassword)}",
            $"reader read {Hash(ReaderPassword)}",
        ],
        "client test users");

    [Test]
    public async Task The_default_user_of_password_reads_and_writes(CancellationToken cancellationToken)
    {
        await using var server = InProcessServer.Start(o => ClientTestServer.Options(o) with { Users = UserDirectory.FromPassword("s3cret") });
        await using var client = await KvClient.ConnectAsync($"{server.Address},password=s3cret", cancellationToken);
        await client.SetAsync("k", "v", cancellationToken);
        (await client.GetAsync("k", cancellationToken)).Should().Be("v");

        await using var named = await KvClient.ConnectAsync(KvClientOptions.Default with { EndPoint = server.Address, User = "default", Password = "s3cret" }, cancellationToken);
        (await named.GetAsync("k", cancellationToken)).Should().Be("v");
    }

    [Test]
    public async Task Each_user_runs_with_its_permission(CancellationToken cancellationToken)
    {
        await using var server = InProcessServer.Start(o => ClientTestServer.Options(o) with { Users = Users() });
        await using var alice = await KvClient.ConnectAsync(KvClientOptions.Default with { EndPoint = server.Address, User = "alice", Password = AlicePassword }, cancellationToken);
        await alice.SetAsync("k", "from alice", cancellationToken);

        await using var reader = await KvClient.ConnectAsync($"{server.Address},user=reader,password={ReaderPassword}", cancellationToken);
        (await reader.GetAsync("k", cancellationToken)).Should().Be("from alice");
        var denied = await FluentActions.Awaiting(async () => await reader.SetAsync("k", "v", cancellationToken)).Should().ThrowAsync<KvServerException>();
        denied.Which.Code.Should().Be(ProtocolErrorCode.PermissionDenied);
        reader.IsConnected.Should().BeTrue();
    }

    [Test]
    public async Task Without_a_password_requests_are_NotAuthenticated(CancellationToken cancellationToken)
    {
        await using var server = InProcessServer.Start(o => ClientTestServer.Options(o) with { Users = Users() });
        await using var client = await KvClient.ConnectAsync(server.Address, cancellationToken);
        var refused = await FluentActions.Awaiting(async () => await client.GetAsync("k", cancellationToken)).Should().ThrowAsync<KvServerException>();
        refused.Which.Code.Should().Be(ProtocolErrorCode.NotAuthenticated);
    }

    [Test]
    public async Task A_wrong_password_fails_the_connect_once(CancellationToken cancellationToken)
    {
        await using var server = InProcessServer.Start(o => ClientTestServer.Options(o) with { Users = Users() });
        var thrown = await FluentActions.Awaiting(async () => await KvClient.ConnectAsync(KvClientOptions.Default with { EndPoint = server.Address, User = "alice", Password = "not alice's" }, cancellationToken))
            .Should().ThrowAsync<KvAuthenticationException>();
        thrown.Which.Code.Should().Be(ProtocolErrorCode.AuthenticationFailed);
        thrown.Which.Message.Should().Contain("'alice'").And.NotContain("not alice's");
    }

    [Test]
    public async Task A_restarted_server_is_authenticated_again(CancellationToken cancellationToken)
    {
        var server = InProcessServer.Start(o => ClientTestServer.Options(o) with { Users = Users() });
        var port = server.EndPoint.Port;
        await using var client = await KvClient.ConnectAsync(KvClientOptions.Default with { EndPoint = server.Address, User = "alice", Password = AlicePassword }, cancellationToken);
        await client.SetAsync("k", "v", cancellationToken);
        await server.DisposeAsync();

        await using var restarted = InProcessServer.Start(o => ClientTestServer.Options(o) with { Port = port, Users = Users() });
        var recovered = await Waiting.UntilAsync(async () =>
        {
            try
            {
                await client.SetAsync("k", "again", cancellationToken);
                return true;
            }
            catch (KvConnectionException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(15));
        recovered.Should().BeTrue();
        (await client.GetAsync("k", cancellationToken)).Should().Be("again");
    }

    private static string Hash(string password)
    {
        const int Iterations = 1_000;
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, Iterations, HashAlgorithmName.SHA256, 32);
        return string.Create(CultureInfo.InvariantCulture, $"pbkdf2-sha256${Iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }
}
