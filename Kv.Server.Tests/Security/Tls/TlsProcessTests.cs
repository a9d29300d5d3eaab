using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Kv.Protocol;
using Kv.Testing;

namespace Kv.Server.Tests.Security.Tls;

/// <summary>The TLS options through the <c>kv-server</c> binary: SIGHUP reloads the certificate; a file that does not load stops the start.</summary>
public sealed class TlsProcessTests : TlsFixture
{
    [Test]
    public async Task Sighup_reloads_the_certificate_for_new_connections_and_keeps_the_open_ones()
    {
        using var first = TestCertificates.CreateLeaf(Authority, "kv-first", server: true);
        var pem = Files.WritePem(first, "server");
        var tlsPort = FreePort();
        using var server = await ServerProcess.StartAsync("--port", "0", "--transport", "sockets", "--tls-port", tlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tls-cert", pem.Certificate, "--tls-key", pem.Key);
        var tlsEndPoint = new IPEndPoint(IPAddress.Loopback, tlsPort);

        using var old = await TlsWireConnection.ConnectAsync(tlsEndPoint, Authority);
        (await old.ExecuteAsync(Command.Set("k", "v"))).Status.Should().Be(ResponseStatus.Ok);

        using var second = TestCertificates.CreateLeaf(Authority, "kv-second", server: true);
        var renewed = Files.WritePem(second, "renewed");
        File.Copy(renewed.Certificate, pem.Certificate, overwrite: true);
        File.Copy(renewed.Key, pem.Key, overwrite: true);
        server.Signal("HUP");
        (await server.WaitForErrorAsync("(reload)", TimeSpan.FromSeconds(10))).Should().BeTrue(server.Errors);

        using (var fresh = await TlsWireConnection.ConnectAsync(tlsEndPoint, Authority))
        {
            fresh.Stream.RemoteCertificate!.Subject.Should().Be("CN=kv-second");
            (await fresh.ExecuteAsync(Command.Get("k"))).PayloadText.Should().Be("v");
        }

        old.Stream.RemoteCertificate!.Subject.Should().Be("CN=kv-first");
        (await old.ExecuteAsync(Command.Get("k"))).PayloadText.Should().Be("v");

        // A reload that fails keeps the certificate and says so; the server goes on.
        File.WriteAllText(pem.Certificate, "broken\n");
        server.Signal("HUP");
        (await server.WaitForErrorAsync("reload failed", TimeSpan.FromSeconds(10))).Should().BeTrue(server.Errors);
        using var after = await TlsWireConnection.ConnectAsync(tlsEndPoint, Authority);
        after.Stream.RemoteCertificate!.Subject.Should().Be("CN=kv-second");
        server.Process.HasExited.Should().BeFalse();
    }

    [Test]
    public async Task A_certificate_that_does_not_load_stops_the_start_with_a_message_naming_the_option()
    {
        var (exitCode, errors) = await ServerProcess.RunToExitAsync("--port", "0", "--tls-port", "0",
            "--tls-cert", Path.Combine(Files.Directory, "missing.crt"), "--tls-key", Path.Combine(Files.Directory, "missing.key"));
        exitCode.Should().NotBe(0);
        errors.Should().Contain("--tls-cert").And.Contain("missing.crt");
    }

    [Test]
    public async Task Tls_without_authentication_beyond_loopback_is_still_refused_by_protected_mode()
    {
        using var certificate = TestCertificates.CreateLeaf(Authority, "kv", server: true);
        var pem = Files.WritePem(certificate, "server");
        var (exitCode, errors) = await ServerProcess.RunToExitAsync("--bind", "0.0.0.0", "--port", "0", "--tls-port", "0", "--tls-cert", pem.Certificate, "--tls-key", pem.Key);
        exitCode.Should().NotBe(0);
        errors.Should().Contain("protected mode");
    }

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
