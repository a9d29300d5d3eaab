using Kv.Testing.Tls;

namespace Kv.Client.Tests;

/// <summary>
/// The client and <c>kv</c> against the real server's <c>--tls-port</c> (in process), with mutual TLS
/// (<c>--tls-client-ca</c>) and users: TLS, then AUTH, then commands; a reconnection after the server dropped the
/// connection does it all again.
/// </summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class TlsEndToEndTests
{
    private TestCertificateFiles _files = null!;

    [OneTimeSetUp]
    public void CreateCertificates() => _files = TestCertificateFiles.Create("kv-client-tls-e2e");

    [OneTimeTearDown]
    public void DisposeCertificates() => _files.Dispose();

    private string Pem(string name) => _files.Pem(name);

    private InProcessServer StartServer() => InProcessServer.Start(o => ClientTestServer.Options(o) with
    {
        Users = AuthenticationEndToEndTests.Users(),
        TlsPort = 0,
        TlsCertificateFile = Pem("server.pem"),
        TlsKeyFile = Pem("server.key"),
        TlsClientCaFile = Pem("ca.pem"),
    });

    [Test]
    public async Task The_client_runs_commands_over_the_servers_tls_port_with_mutual_tls_and_auth()
    {
        await using var server = StartServer();
        var tlsPort = server.Server.TlsEndPoint!.Port;
        var options = KvClientOptions.Default with
        {
            EndPoint = $"127.0.0.1:{tlsPort}",
            User = "alice",
            Password = AuthenticationEndToEndTests.AlicePassword,
            ReconnectMinDelay = TimeSpan.FromMilliseconds(10),
            Tls = KvTlsOptions.Default with { TrustedCertificates = [_files.Certificates.Authority], ClientCertificate = _files.Certificates.Client },
        };

        await using var client = await KvClient.ConnectAsync(options);
        await client.SetAsync("tls:e2e", "secret value");
        (await client.GetAsync("tls:e2e")).Should().Be("secret value");

        // The same key through the plain port: one store behind both.
        await using var plain = await KvClient.ConnectAsync(options with { EndPoint = server.Address, Tls = null });
        (await plain.GetAsync("tls:e2e")).Should().Be("secret value");
    }

    [Test]
    public async Task Reconnection_after_the_server_restarts_redoes_tls_then_auth()
    {
        var server = StartServer();
        var tlsPort = server.Server.TlsEndPoint!.Port;
        var options = KvClientOptions.Default with
        {
            EndPoint = $"localhost:{tlsPort}",
            User = "alice",
            Password = AuthenticationEndToEndTests.AlicePassword,
            ReconnectMinDelay = TimeSpan.FromMilliseconds(10),
            Tls = KvTlsOptions.Default with { TrustedCertificates = [_files.Certificates.Authority], ClientCertificate = _files.Certificates.Client },
        };
        await using var client = await KvClient.ConnectAsync(options);
        await client.SetAsync("k", "before");
        await server.DisposeAsync();

        await using var restarted = InProcessServer.Start(o => ClientTestServer.Options(o) with
        {
            Users = AuthenticationEndToEndTests.Users(),
            TlsPort = tlsPort,
            TlsCertificateFile = Pem("server.pem"),
            TlsKeyFile = Pem("server.key"),
            TlsClientCaFile = Pem("ca.pem"),
        });
        var written = await Waiting.UntilAsync(
            async () =>
            {
                try
                {
                    await client.SetAsync("k", "after");
                    return true;
                }
                catch (KvConnectionException e) when (e is not KvTlsException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(20));

        written.Should().BeTrue();
        (await client.GetAsync("k")).Should().Be("after");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Operations_over_tls_allocate_little_beyond_their_results(CancellationToken testTimeout)
    {
        await using var server = StartServer();
        await using var client = await KvClient.ConnectAsync(KvClientOptions.Default with
        {
            EndPoint = $"127.0.0.1:{server.Server.TlsEndPoint!.Port}",
            User = "alice",
            Password = AuthenticationEndToEndTests.AlicePassword,
            Tls = KvTlsOptions.Default with { TrustedCertificates = [_files.Certificates.Authority], ClientCertificate = _files.Certificates.Client },
        });
        var key = "alloc:key"u8.ToArray();
        var value = new byte[32];
        await client.SetAsync(key, value, testTimeout);

        // As DesignTests.Operations_allocate_little_beyond_their_results, through SslStream on both sides.
        await Task.Run(() => RunAsync(20_000), testTimeout);
        const int Operations = 60_000;
        var before = GC.GetTotalAllocatedBytes(precise: true);
        await Task.Run(() => RunAsync(Operations), testTimeout);
        var perOperation = (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)Operations;

        TestContext.Out.WriteLine($"{perOperation:F1} bytes allocated per operation over TLS (SET, GET of 32 bytes, PING alternating; process-wide, client and server)");
        perOperation.Should().BeLessThan(48, "nothing but the results should be allocated, over TLS as in plain text");

        async Task RunAsync(int count)
        {
            for (var i = 0; i < count; i += 3)
            {
                await client.SetAsync(key, value, testTimeout);
                await client.GetAsync(key, testTimeout);
                await client.PingAsync(ReadOnlyMemory<byte>.Empty, testTimeout);
            }
        }
    }

    [Test]
    public async Task A_client_without_a_certificate_is_refused_by_the_server()
    {
        await using var server = StartServer();
        var options = KvClientOptions.Default with
        {
            EndPoint = $"127.0.0.1:{server.Server.TlsEndPoint!.Port}",
            Tls = KvTlsOptions.Default with { TrustedCertificates = [_files.Certificates.Authority] },
        };

        var connect = async () => await KvClient.ConnectAsync(options);

        await connect.Should().ThrowAsync<KvConnectionException>();
    }

    [Test]
    public async Task Tls_to_the_plain_port_and_plain_text_to_the_tls_port_fail_clearly()
    {
        await using var server = StartServer();
        var tls = KvClientOptions.Default with
        {
            EndPoint = server.Address,
            ConnectTimeout = TimeSpan.FromSeconds(15),
            Tls = KvTlsOptions.Default with { TrustedCertificates = [_files.Certificates.Authority], ClientCertificate = _files.Certificates.Client },
        };

        var toPlain = async () => await KvClient.ConnectAsync(tls);
        var thrown = await toPlain.Should().ThrowAsync<KvConnectionException>();
        TestContext.Out.WriteLine($"TLS to the plain port: {thrown.Which.GetType().Name}: {thrown.Which.Message}");
        thrown.Which.Should().BeOfType<KvTlsException>().Which.Message.Should().Contain("is this the server's TLS port");

        var toTls = async () => await KvClient.ConnectAsync(tls with { EndPoint = $"127.0.0.1:{server.Server.TlsEndPoint!.Port}", Tls = null });
        var refused = await toTls.Should().ThrowAsync<KvConnectionException>();
        TestContext.Out.WriteLine($"Plain text to the TLS port: {refused.Which.GetType().Name}: {refused.Which.Message}");
        refused.Which.Should().NotBeOfType<KvTlsException>();
    }

    [Test]
    public async Task Kv_runs_a_command_over_the_servers_tls_port(CancellationToken cancellationToken)
    {
        await using var server = StartServer();
        var port = server.Server.TlsEndPoint!.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var environment = new Dictionary<string, string?>
        {
            ["KV_USER"] = "alice", ["KV_PASSWORD"] = AuthenticationEndToEndTests.AlicePassword, ["KV_HOST"] = null, ["KV_PORT"] = null,
            ["KV_TLS"] = null, ["KV_TLS_CA"] = null, ["KV_TLS_HOST"] = null, ["KV_TLS_CLIENT_CERT"] = null, ["KV_TLS_CLIENT_KEY"] = null,
        };

        var set = await CliProcess.RunAsync(
            ["-p", port, "--tls-ca", Pem("ca.pem"), "--tls-cert", Pem("client.pem"), "--tls-key", Pem("client.key"), "set", "cli:tls", "v"],
            environment: environment, cancellationToken: cancellationToken);
        set.Should().Be((0, "OK\n", string.Empty));
        var get = await CliProcess.RunAsync(
            ["-p", port, "--tls-ca", Pem("ca.pem"), "--tls-host", "localhost", "--tls-cert", Pem("client.pem"), "--tls-key", Pem("client.key"), "get", "cli:tls"],
            environment: environment, cancellationToken: cancellationToken);
        get.Should().Be((0, "v\n", string.Empty));
    }
}
