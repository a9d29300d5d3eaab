using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Kv.Protocol;
using Kv.Server.Hosting;
using Kv.Server.Networking;
using Kv.Testing;

namespace Kv.Server.Tests.Security.Tls;

/// <summary>
/// TLS over loopback with certificates the tests make: the TLS port beside the plain one, authentication over TLS, mutual
/// TLS, an expired certificate, plain text to the TLS port and TLS to the plain port, the handshake timeout and the
/// connection limit, and reloading the certificate.
/// </summary>
[TestFixtureSource(nameof(Transports))]
public sealed class TlsTests(ServerTransport transport) : TlsFixture
{
    /// <summary>The transport that serves both ports (the event loops serve TLS on their own threads too).</summary>
    public static IEnumerable<ServerTransport> Transports => [ServerTransport.EventLoop, ServerTransport.Sockets];

    [Test]
    public async Task Set_and_get_over_tls_while_the_plain_port_still_serves_plain_text()
    {
        await using var server = Start();
        server.Server.TlsEndPoint!.Port.Should().NotBe(server.EndPoint.Port);

        using (var tls = await ConnectTlsAsync(server))
        {
            tls.Stream.SslProtocol.Should().BeOneOf(SslProtocols.Tls12, SslProtocols.Tls13);
            tls.Stream.RemoteCertificate!.GetCertHashString().Should().Be(ServerCertificate.GetCertHashString());
            (await tls.ExecuteAsync(Command.Set("k", "over tls"))).PayloadText.Should().Be("k");
            (await tls.ExecuteAsync(Command.Get("k"))).PayloadText.Should().Be("over tls");
            (await tls.ExecuteAsync(Command.Get("k", ProtocolVersion.V1, 7))).RequestId.Should().Be(7);
        }

        using var plain = await server.ConnectAsync();
        (await plain.ExecuteAsync(Command.Get("k"))).PayloadText.Should().Be("over tls", "both ports serve one store");
        server.Errors.Should().BeEmpty();
        server.Warnings.Should().BeEmpty();
    }

    [Test]
    public async Task Tls_1_2_is_served_and_large_values_cross_tls_records()
    {
        await using var server = Start();
        using var tls = await TlsWireConnection.ConnectAsync(server.Server.TlsEndPoint!, Authority, protocols: SslProtocols.Tls12);
        tls.Stream.SslProtocol.Should().Be(SslProtocols.Tls12);

        var value = new string('v', 300_000);
        (await tls.ExecuteAsync(Command.Set("big", value))).Status.Should().Be(ResponseStatus.Ok);
        (await tls.ExecuteAsync(Command.Get("big"))).PayloadText.Should().Be(value);
    }

    [Test]
    public async Task Intermediates_in_the_certificate_file_are_sent_with_the_server_certificate()
    {
        using var intermediate = TestCertificates.CreateIntermediate(Authority, "Kv intermediate");
        using var leaf = TestCertificates.CreateLeaf(intermediate, "kv-chained", server: true);
        var pem = Files.WritePem(leaf, "chained");
        File.AppendAllText(pem.Certificate, intermediate.ExportCertificatePem() + "\n");
        await using var server = Start(o => o with { TlsCertificateFile = pem.Certificate, TlsKeyFile = pem.Key });

        // The client trusts the root only: the handshake succeeds only if the server sends the intermediate.
        using var tls = await ConnectTlsAsync(server);
        tls.Stream.RemoteCertificate!.Subject.Should().Be("CN=kv-chained");
        (await tls.ExecuteAsync(Command.Ping())).PayloadText.Should().Be("PONG");
    }

    [Test]
    public async Task Authentication_works_the_same_over_tls()
    {
        await using var server = Start(o => o with { Users = AuthenticationTests.Users() });
        using var tls = await ConnectTlsAsync(server);

        (await tls.ExecuteAsync(Command.Get("k", ProtocolVersion.V1, 1))).ErrorCode.Should().Be(ProtocolErrorCode.NotAuthenticated);
        (await tls.ExecuteAsync(Command.Auth("writer", "writer-pw", 2))).Status.Should().Be(ResponseStatus.Ok);
        (await tls.ExecuteAsync(Command.Set("k", "v", ProtocolVersion.V1, 3))).Status.Should().Be(ResponseStatus.Ok);
        (await tls.ExecuteAsync(Command.Get("k", ProtocolVersion.V1, 4))).PayloadText.Should().Be("v");
    }

    [Test]
    public async Task A_certificate_from_another_authority_is_refused_by_a_validating_client()
    {
        await using var server = Start();
        using var other = TestCertificates.CreateAuthority("Another CA");

        var connecting = () => TlsWireConnection.ConnectAsync(server.Server.TlsEndPoint!, other);
        await connecting.Should().ThrowAsync<AuthenticationException>();
    }

    [Test]
    public async Task An_expired_certificate_is_served_with_a_warning_at_start_and_refused_by_a_validating_client()
    {
        using var expired = TestCertificates.CreateLeaf(Authority, "kv-expired", server: true, DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(-1));
        var pem = Files.WritePem(expired, "expired");
        await using var server = Start(o => o with { TlsCertificateFile = pem.Certificate, TlsKeyFile = pem.Key });
        server.Warnings.Should().ContainSingle(w => w.Contains("not valid now") && w.Contains("kv-expired"));

        var connecting = () => TlsWireConnection.ConnectAsync(server.Server.TlsEndPoint!, Authority);
        await connecting.Should().ThrowAsync<AuthenticationException>();

        using var plain = await server.ConnectAsync();
        (await plain.ExecuteAsync(Command.Ping())).PayloadText.Should().Be("PONG", "the server runs");
    }

    [Test]
    public async Task Plain_text_sent_to_the_tls_port_fails_the_handshake_and_is_closed_at_once()
    {
        await using var server = Start(o => o with { TlsHandshakeTimeout = TimeSpan.FromSeconds(30) });
        using var plain = await WireConnection.ConnectAsync(server.Server.TlsEndPoint!);
        await plain.SendAsync(Command.Set("k", "v"));

        var watch = Stopwatch.StartNew();
        (await plain.IsClosedByServerAsync(TimeSpan.FromSeconds(10))).Should().BeTrue();
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10), "closed on the bad handshake, not by the 30 s timeout");
        await server.WaitForConnectionCountAsync(0, TimeSpan.FromSeconds(10));
        server.Server.Store.Count.Should().Be(0);
        server.Errors.Should().BeEmpty();
    }

    [Test]
    public async Task Tls_sent_to_the_plain_port_is_answered_as_bad_input_and_closed_at_once()
    {
        await using var server = Start();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server.EndPoint);
        using var stream = new SslStream(new NetworkStream(socket, ownsSocket: false));
        var options = new SslClientAuthenticationOptions { TargetHost = "localhost", RemoteCertificateValidationCallback = (_, _, _, _) => true };

        var watch = Stopwatch.StartNew();
        var handshake = () => stream.AuthenticateAsClientAsync(options).WaitAsync(TimeSpan.FromSeconds(10));
        await handshake.Should().ThrowAsync<Exception>().Where(e => e.GetType() == typeof(AuthenticationException) || e.GetType() == typeof(IOException));
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5));

        // What the plain port answers a ClientHello (first byte 0x16, an unsupported version): a version-0 ERROR, then close.
        using var raw = await WireConnection.ConnectAsync(server.EndPoint);
        await raw.SendAsync(new byte[] { 0x16, 0x03, 0x01, 0x00, 0x40, 0x01, 0x00, 0x00, 0x3c, 0x03, 0x03 });
        var response = await raw.ReadResponseAsync(TimeSpan.FromSeconds(5));
        response.Status.Should().Be(ResponseStatus.Error);
        response.Version.Should().Be(ProtocolVersion.V0);
        (await raw.IsClosedByServerAsync(TimeSpan.FromSeconds(5))).Should().BeTrue();
    }

    [Test]
    public async Task A_connection_that_does_not_finish_its_handshake_is_closed_after_the_timeout()
    {
        await using var server = Start(o => o with { TlsHandshakeTimeout = TimeSpan.FromMilliseconds(500) });
        using var silent = await WireConnection.ConnectAsync(server.Server.TlsEndPoint!);

        var watch = Stopwatch.StartNew();
        (await silent.IsClosedByServerAsync(TimeSpan.FromSeconds(10))).Should().BeTrue();
        watch.Elapsed.Should().BeGreaterThan(TimeSpan.FromMilliseconds(300)).And.BeLessThan(TimeSpan.FromSeconds(5));
        await server.WaitForConnectionCountAsync(0, TimeSpan.FromSeconds(10));
    }

    [Test]
    public async Task Unfinished_handshakes_count_against_max_connections_and_free_their_place_on_timeout()
    {
        // A handshake timeout long enough that the refusals below come while both handshakes are surely pending.
        await using var server = Start(o => o with { MaxConnections = 2, TlsHandshakeTimeout = TimeSpan.FromSeconds(3) });
        using var first = await WireConnection.ConnectAsync(server.Server.TlsEndPoint!);
        using var second = await WireConnection.ConnectAsync(server.Server.TlsEndPoint!);
        // Both admitted (WaitForConnectionCountAsync waits for *at most* a count, which 0 already is: the test used it
        // here and raced the accepts, failing one run in five).
        (await Waiting.UntilAsync(() => server.Server.ConnectionCount == 2, TimeSpan.FromSeconds(10))).Should().BeTrue();

        // A third client (on either port) is refused while the two handshakes are pending.
        using var refused = await WireConnection.ConnectAsync(server.EndPoint);
        (await refused.ReadResponseAsync(TimeSpan.FromSeconds(5))).PayloadText.Should().Contain("too many connections");
        using var refusedTls = await WireConnection.ConnectAsync(server.Server.TlsEndPoint!);
        (await refusedTls.IsClosedByServerAsync(TimeSpan.FromSeconds(2))).Should().BeTrue("closed at once, before any handshake timeout");

        // Once the silent two time out, TLS clients are served again.
        await server.WaitForConnectionCountAsync(0, TimeSpan.FromSeconds(10));
        using var tls = await ConnectTlsAsync(server);
        (await tls.ExecuteAsync(Command.Ping())).PayloadText.Should().Be("PONG");
    }

    [Test]
    public async Task Reload_serves_the_new_certificate_to_new_connections_while_an_old_connection_keeps_working()
    {
        var pem = (Certificate: Path.Combine(Files.Directory, "reload.crt"), Key: Path.Combine(Files.Directory, "reload.key"));
        File.Copy(ServerPem.Certificate, pem.Certificate, overwrite: true);
        File.Copy(ServerPem.Key, pem.Key, overwrite: true);
        await using var server = Start(o => o with { TlsCertificateFile = pem.Certificate, TlsKeyFile = pem.Key });
        using var old = await ConnectTlsAsync(server);
        (await old.ExecuteAsync(Command.Set("k", "v"))).Status.Should().Be(ResponseStatus.Ok);

        using var renewed = TestCertificates.CreateLeaf(Authority, "kv-server-renewed", server: true);
        var written = Files.WritePem(renewed, "renewed");
        File.Copy(written.Certificate, pem.Certificate, overwrite: true);
        File.Copy(written.Key, pem.Key, overwrite: true);
        server.Server.ReloadTlsCertificate().Should().BeTrue();

        using (var fresh = await ConnectTlsAsync(server))
        {
            fresh.Stream.RemoteCertificate!.GetCertHashString().Should().Be(renewed.GetCertHashString());
            (await fresh.ExecuteAsync(Command.Get("k"))).PayloadText.Should().Be("v");
        }

        old.Stream.RemoteCertificate!.GetCertHashString().Should().Be(ServerCertificate.GetCertHashString());
        (await old.ExecuteAsync(Command.Get("k"))).PayloadText.Should().Be("v", "an open connection is kept across the reload");

        // A bad file: the previous certificate stays, and the failure is an error in the log.
        File.WriteAllText(pem.Key, "not a key");
        server.Server.ReloadTlsCertificate().Should().BeFalse();
        server.Errors.Should().ContainSingle(e => e.Contains("reload failed") && e.Contains("--tls-cert"));
        using var after = await ConnectTlsAsync(server);
        after.Stream.RemoteCertificate!.GetCertHashString().Should().Be(renewed.GetCertHashString());
    }

    [Test]
    public async Task An_idle_tls_connection_is_closed_after_the_idle_timeout()
    {
        await using var server = Start(o => o with { IdleTimeout = TimeSpan.FromMilliseconds(500) });
        using var tls = await ConnectTlsAsync(server);
        (await tls.ExecuteAsync(Command.Ping())).PayloadText.Should().Be("PONG");

        await server.WaitForConnectionCountAsync(0, TimeSpan.FromSeconds(10));
        var reading = () => tls.ReadResponseAsync();
        await reading.Should().ThrowAsync<Exception>();
    }

    [Test]
    public async Task A_graceful_stop_closes_open_tls_connections_without_waiting_for_the_shutdown_timeout()
    {
        await using var server = Start(o => o with { ShutdownTimeout = TimeSpan.FromSeconds(30) });
        using var tls = await ConnectTlsAsync(server);
        (await tls.ExecuteAsync(Command.Set("k", "v"))).Status.Should().Be(ResponseStatus.Ok);
        using var handshaking = await WireConnection.ConnectAsync(server.Server.TlsEndPoint!);
        (await Waiting.UntilAsync(() => server.Server.ConnectionCount == 2, TimeSpan.FromSeconds(10))).Should().BeTrue();

        var watch = Stopwatch.StartNew();
        await server.StopAsync().WaitAsync(TimeSpan.FromSeconds(20));
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5));
        server.Server.ConnectionCount.Should().Be(0);
        server.Errors.Should().BeEmpty();
    }

    [Test]
    public async Task A_graceful_stop_answers_requests_that_arrived_while_an_auth_was_checked()
    {
        await using var server = Start(o => o with { Users = AuthenticationTests.Users() });
        using var tls = await ConnectTlsAsync(server);
        (await tls.ExecuteAsync(Command.Ping("", ProtocolVersion.V1, 1))).PayloadText.Should().Be("PONG");

        // The wrong AUTH pauses the connection for the failure delay; the GET arrives meanwhile and waits in the kernel.
        await tls.Stream.WriteAsync(WireConnection.Encode(Command.Auth("root", "wrong", 2)));
        await Task.Delay(50);
        await tls.Stream.WriteAsync(WireConnection.Encode(Command.Get("k", ProtocolVersion.V1, 3)));
        await Task.Delay(20);
        var stopping = server.StopAsync();

        (await tls.ReadResponseAsync()).ErrorCode.Should().Be(ProtocolErrorCode.AuthenticationFailed);
        (await tls.ReadResponseAsync()).ErrorCode.Should().Be(ProtocolErrorCode.NotAuthenticated);
        await stopping.WaitAsync(TimeSpan.FromSeconds(20));
        server.Errors.Should().BeEmpty();
    }

    private Task<TlsWireConnection> ConnectTlsAsync(InProcessServer server, X509Certificate2? clientCertificate = null) =>
        TlsWireConnection.ConnectAsync(server.Server.TlsEndPoint!, Authority, clientCertificate);

    private InProcessServer Start(Func<KvServerOptions, KvServerOptions>? configure = null) => InProcessServer.Start(o =>
    {
        var options = o with { Transport = transport, TlsPort = 0, TlsCertificateFile = ServerPem.Certificate, TlsKeyFile = ServerPem.Key };
        return configure is null ? options : configure(options);
    });
}
