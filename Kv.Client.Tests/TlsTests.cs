using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Kv.Client;
using Kv.Protocol;
using Kv.Testing.Tls;

namespace Kv.Client.Tests;

/// <summary>
/// The client over TLS, against <see cref="TlsTestServer"/> with certificates made by the test: the handshake, mutual
/// TLS, an untrusted certificate and a wrong host name (a <see cref="KvTlsException"/>, not retried), the connection
/// string, and a reconnection that redoes the handshake and then AUTH.
/// </summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class TlsTests
{
    private TestCertificates _certificates = null!;

    [OneTimeSetUp]
    public void CreateCertificates() => _certificates = TestCertificates.Create();

    [OneTimeTearDown]
    public void DisposeCertificates() => _certificates.Dispose();

    private KvClientOptions Options(string endPoint, KvTlsOptions? tls = null) => KvClientOptions.Default with
    {
        EndPoint = endPoint,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        ReconnectMinDelay = TimeSpan.FromMilliseconds(10),
        Tls = tls ?? TrustTestAuthority,
    };

    private KvTlsOptions TrustTestAuthority => KvTlsOptions.Default with { TrustedCertificates = [_certificates.Authority] };

    [Test]
    public async Task Connects_over_tls_and_runs_commands()
    {
        await using var server = TlsTestServer.Start(_certificates.Server);
        await using var client = await KvClient.ConnectAsync(Options(server.EndPoint));

        await client.SetAsync("greeting", "hello over tls");
        (await client.GetAsync("greeting")).Should().Be("hello over tls");
        (await client.GetAsync("missing")).Should().BeNull();
        (await client.ClearAsync("greeting")).Should().BeTrue();
        (await client.PingAsync()).Should().Be("PONG");

        // Many callers at once: the writer's batches and the reader's receives go through the SslStream.
        var values = Enumerable.Range(0, 200).Select(i => $"value-{i}-{new string('x', i * 50)}").ToArray();
        await Task.WhenAll(values.Select((value, i) => client.SetAsync($"k{i}", value).AsTask()));
        var read = await Task.WhenAll(values.Select((_, i) => client.GetAsync($"k{i}").AsTask()));
        read.Should().Equal(values);
        server.CompletedHandshakes.Should().Be(1);
    }

    [Test]
    public async Task Connects_to_the_host_name_of_the_end_point_by_default()
    {
        await using var server = TlsTestServer.Start(_certificates.Server);
        await using var client = await KvClient.ConnectAsync(Options($"localhost:{server.Port}"));

        (await client.PingAsync("by name")).Should().Be("by name");
    }

    [Test]
    public async Task Presents_the_client_certificate_when_configured()
    {
        await using var server = TlsTestServer.Start(_certificates.Server, clientAuthority: _certificates.Authority);
        await using var client = await KvClient.ConnectAsync(Options(server.EndPoint, TrustTestAuthority with { ClientCertificate = _certificates.Client }));

        await client.SetAsync("k", "v");
        (await client.GetAsync("k")).Should().Be("v");
        server.ClientSubjects.Should().Equal("CN=kv-test-client");
    }

    [Test]
    public async Task A_server_that_requires_a_client_certificate_refuses_a_client_without_one()
    {
        await using var server = TlsTestServer.Start(_certificates.Server, clientAuthority: _certificates.Authority);

        var connect = async () => await KvClient.ConnectAsync(Options(server.EndPoint) with { ConnectTimeout = TimeSpan.FromSeconds(5) });

        // TLS 1.3 sends the client's certificate after the client finished its handshake: the server's refusal reaches
        // the client as a lost connection (or an alert) at the opening PING.
        await connect.Should().ThrowAsync<KvConnectionException>();
        server.CompletedHandshakes.Should().Be(0);
    }

    [Test]
    public async Task An_untrusted_server_certificate_fails_with_a_tls_exception_that_says_why()
    {
        await using var server = TlsTestServer.Start(_certificates.Server);

        // The system's store does not trust the test CA.
        var connect = async () => await KvClient.ConnectAsync(Options(server.EndPoint, KvTlsOptions.Default));

        var thrown = await connect.Should().ThrowAsync<KvTlsException>();
        thrown.Which.PolicyErrors.Should().HaveFlag(SslPolicyErrors.RemoteCertificateChainErrors);
        thrown.Which.Message.Should().Contain("TLS").And.Contain("RemoteCertificateChainErrors").And.Contain(server.EndPoint);
        thrown.Which.TargetHost.Should().Be("127.0.0.1");
        server.AcceptedConnections.Should().Be(1);
    }

    [Test]
    public async Task A_wrong_target_host_fails_with_a_name_mismatch()
    {
        await using var server = TlsTestServer.Start(_certificates.Server);

        var connect = async () => await KvClient.ConnectAsync(Options(server.EndPoint, TrustTestAuthority with { TargetHost = "cache.example" }));

        var thrown = await connect.Should().ThrowAsync<KvTlsException>();
        thrown.Which.PolicyErrors.Should().Be(SslPolicyErrors.RemoteCertificateNameMismatch);
        thrown.Which.Message.Should().Contain("cache.example").And.Contain("RemoteCertificateNameMismatch");
    }

    [Test]
    public async Task A_validation_callback_decides_and_sees_the_policy_errors()
    {
        await using var server = TlsTestServer.Start(_certificates.Server);
        SslPolicyErrors? seen = null;
        var tls = KvTlsOptions.Default with
        {
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                seen = errors;
                return certificate is X509Certificate2 { Subject: "CN=localhost" };
            },
        };

        await using var client = await KvClient.ConnectAsync(Options(server.EndPoint, tls));

        (await client.PingAsync()).Should().Be("PONG");
        seen.Should().Be(SslPolicyErrors.RemoteCertificateChainErrors);
    }

    [Test]
    public async Task A_certificate_refused_at_a_reconnection_is_not_tried_again()
    {
        var first = TlsTestServer.Start(_certificates.Server);
        var port = first.Port;
        await using var client = await KvClient.ConnectAsync(Options(first.EndPoint));
        await client.SetAsync("k", "v");

        // The server comes back on the same port with a certificate from a CA the client does not trust.
        await first.DisposeAsync();
        using var other = TestCertificates.Create("Another CA");
        await using var second = TlsTestServer.Start(other.Server, port: port);

        for (var i = 0; i < 5; i++)
        {
            var call = async () => await client.GetAsync("k");
            var thrown = await call.Should().ThrowAsync<KvConnectionException>();
            if (thrown.Which is KvTlsException tls)
            {
                tls.PolicyErrors.Should().HaveFlag(SslPolicyErrors.RemoteCertificateChainErrors);
            }
        }

        var last = async () => await client.GetAsync("k");
        await last.Should().ThrowAsync<KvTlsException>();
        await Task.Delay(200);
        second.AcceptedConnections.Should().Be(1, "the refused certificate is not tried again");
    }

    [Test]
    public async Task A_connection_string_with_ssl_true_uses_tls()
    {
        await using var server = TlsTestServer.Start(_certificates.Server, password: "s3cret");
        var options = KvClientOptions.Parse($"{server.EndPoint},ssl=true,sslhost=localhost,password=s3cret", Options("unused:1"));

        options.Tls.Should().NotBeNull();
        options.Tls!.TargetHost.Should().Be("localhost");
        options.Tls.TrustedCertificates.Should().HaveCount(1);
        await using var client = await KvClient.ConnectAsync(options);
        await client.SetAsync("k", "v");
        (await client.GetAsync("k")).Should().Be("v");
        server.CompletedHandshakes.Should().Be(1);
    }

    [Test]
    public async Task The_connection_string_reads_ssl_and_sslhost()
    {
        KvClientOptions.Parse("h:1,ssl=true").Tls.Should().Be(KvTlsOptions.Default);
        KvClientOptions.Parse("h:1,SSL=True").Tls.Should().NotBeNull();
        KvClientOptions.Parse("h:1,ssl=false").Tls.Should().BeNull();
        KvClientOptions.Parse("h:1").Tls.Should().BeNull();
        KvClientOptions.Parse("h:1,sslhost=cache.local").Tls!.TargetHost.Should().Be("cache.local");
        KvClientOptions.Parse("h:1,ssl=false", KvClientOptions.Default with { Tls = KvTlsOptions.Default }).Tls.Should().BeNull();

        var bad = () => KvClientOptions.Parse("h:1,ssl=yes");
        bad.Should().Throw<ArgumentException>().WithMessage("*'ssl' must be true or false*");
        var empty = async () => await KvClient.ConnectAsync(KvClientOptions.Default with { Tls = KvTlsOptions.Default with { TargetHost = " " } });
        await empty.Should().ThrowAsync<ArgumentException>().WithMessage("*TargetHost must not be empty*");
        (KvClientOptions.Default with { Tls = KvTlsOptions.Default }).ToString().Should().Contain("Tls = KvTlsOptions { TargetHost = ");
    }

    [Test]
    public async Task A_reconnection_redoes_the_handshake_then_auth()
    {
        await using var server = TlsTestServer.Start(_certificates.Server, password: "s3cret");
        await using var client = await KvClient.ConnectAsync(Options(server.EndPoint) with { Password = "s3cret" });
        await client.SetAsync("k", "v1");

        server.DropConnections();
        await Waiting.UntilAsync(() => !client.IsConnected, TimeSpan.FromSeconds(10));
        await client.SetAsync("k", "v2");

        (await client.GetAsync("k")).Should().Be("v2");
        server.CompletedHandshakes.Should().Be(2);
        server.Requests.Where(r => r.StartsWith("2:", StringComparison.Ordinal)).Should().StartWith(["2:Auth", "2:Ping", "2:Set"]);
        server.Requests.Where(r => r.StartsWith("1:", StringComparison.Ordinal)).Should().StartWith(["1:Auth", "1:Ping", "1:Set"]);
    }
}
