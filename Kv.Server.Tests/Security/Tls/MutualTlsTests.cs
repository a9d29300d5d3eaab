using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Kv.Protocol;
using Kv.Server.Hosting;
using Kv.Testing;

namespace Kv.Server.Tests.Security.Tls;

/// <summary>Mutual TLS (<c>--tls-client-ca</c>): a client certificate from the configured authority, none, or another authority's; reloading the authorities.</summary>
public sealed class MutualTlsTests : TlsFixture
{
    private readonly X509Certificate2 _clientAuthority = TestCertificates.CreateAuthority("Kv clients CA");
    private string _clientCaFile = null!;

    [OneTimeSetUp]
    public void WriteClientAuthority() => _clientCaFile = Files.WriteCertificatePem(_clientAuthority, "clients-ca");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _clientAuthority.Dispose();
        }

        base.Dispose(disposing);
    }

    [Test]
    public async Task A_client_certificate_from_the_client_authority_is_accepted()
    {
        await using var server = Start();
        using var client = Pkcs12(TestCertificates.CreateLeaf(_clientAuthority, "app-1", server: false));

        using var tls = await TlsWireConnection.ConnectAsync(server.Server.TlsEndPoint!, Authority, client);
        (await tls.ExecuteAsync(Command.Set("k", "v"))).Status.Should().Be(ResponseStatus.Ok);
        (await tls.ExecuteAsync(Command.Get("k"))).PayloadText.Should().Be("v");
    }

    [Test]
    public async Task A_client_without_a_certificate_is_refused()
    {
        await using var server = Start();
        await RefusedAsync(server, clientCertificate: null);
        await server.WaitForConnectionCountAsync(0, TimeSpan.FromSeconds(10));
    }

    [Test]
    public async Task A_client_certificate_from_another_authority_is_refused()
    {
        await using var server = Start();
        using var otherAuthority = TestCertificates.CreateAuthority("Kv test CA");
        using var client = Pkcs12(TestCertificates.CreateLeaf(otherAuthority, "intruder", server: false));
        await RefusedAsync(server, client);

        // Nor does the server's own authority count, nor a self-signed certificate.
        using var serverSigned = Pkcs12(TestCertificates.CreateLeaf(Authority, "app-2", server: false));
        await RefusedAsync(server, serverSigned);
    }

    [Test]
    public async Task An_expired_client_certificate_from_the_client_authority_is_refused()
    {
        await using var server = Start();
        using var expired = Pkcs12(TestCertificates.CreateLeaf(_clientAuthority, "app-old", server: false, DateTimeOffset.UtcNow.AddDays(-60), DateTimeOffset.UtcNow.AddDays(-1)));
        await RefusedAsync(server, expired);
    }

    [Test]
    public void The_client_authority_file_must_load_and_the_error_names_the_option()
    {
        var missing = Path.Combine(Files.Directory, "missing.crt");
        var options = new KvServerOptions { Port = 0, TlsPort = 0, TlsCertificateFile = ServerPem.Certificate, TlsKeyFile = ServerPem.Key, TlsClientCaFile = missing };
        var creating = () => new Kv.Server.Networking.KvServer(options);
        creating.Should().Throw<ArgumentException>().WithMessage("*--tls-client-ca*");

        var empty = Path.Combine(Files.Directory, "empty.crt");
        File.WriteAllText(empty, "nothing here\n");
        creating = () => new Kv.Server.Networking.KvServer(options with { TlsClientCaFile = empty });
        creating.Should().Throw<ArgumentException>().WithMessage("*--tls-client-ca*no PEM certificate*");
    }

    [Test]
    public async Task Reload_reads_the_client_authority_file_again_for_new_handshakes_and_keeps_open_connections()
    {
        var caFile = Files.WriteCertificatePem(_clientAuthority, "reloaded-clients-ca");
        await using var server = Start(caFile);
        using var newAuthority = TestCertificates.CreateAuthority("Kv new clients CA");
        using var oldClient = Pkcs12(TestCertificates.CreateLeaf(_clientAuthority, "app-old-ca", server: false));
        using var newClient = Pkcs12(TestCertificates.CreateLeaf(newAuthority, "app-new-ca", server: false));
        using var open = await TlsWireConnection.ConnectAsync(server.Server.TlsEndPoint!, Authority, oldClient);
        await RefusedAsync(server, newClient);

        File.Copy(Files.WriteCertificatePem(newAuthority, "next-clients-ca"), caFile, overwrite: true);
        server.Server.ReloadTlsCertificate().Should().BeTrue();

        using (var tls = await TlsWireConnection.ConnectAsync(server.Server.TlsEndPoint!, Authority, newClient))
        {
            (await tls.ExecuteAsync(Command.Ping("new", ProtocolVersion.V1, 1))).PayloadText.Should().Be("new");
        }

        await RefusedAsync(server, oldClient);
        (await open.ExecuteAsync(Command.Ping("still here", ProtocolVersion.V1, 2))).PayloadText.Should().Be("still here");

        // A file that does not load keeps the authorities in use.
        File.WriteAllText(caFile, "not a certificate\n");
        server.Server.ReloadTlsCertificate().Should().BeFalse();
        using var again = await TlsWireConnection.ConnectAsync(server.Server.TlsEndPoint!, Authority, newClient);
        (await again.ExecuteAsync(Command.Ping())).PayloadText.Should().Be("PONG");
        server.Errors.Should().ContainSingle().Which.Should().Contain("--tls-client-ca");
    }

    [TestCase(ServerTransport.EventLoop)]
    [TestCase(ServerTransport.Sockets)]
    public async Task With_tls_client_user_cn_a_certificate_common_name_that_names_a_user_authenticates_as_that_user(ServerTransport transport)
    {
        await using var server = Start(configure: o => o with { Transport = transport, Users = AuthenticationTests.Users(), TlsUserFromClientCertificate = true });
        using var writerCertificate = Pkcs12(TestCertificates.CreateLeaf(_clientAuthority, "writer", server: false));
        using var readerCertificate = Pkcs12(TestCertificates.CreateLeaf(_clientAuthority, "reader", server: false));
        using var strangerCertificate = Pkcs12(TestCertificates.CreateLeaf(_clientAuthority, "app-9", server: false));

        using (var writer = await TlsWireConnection.ConnectAsync(server.Server.TlsEndPoint!, Authority, writerCertificate))
        {
            (await writer.ExecuteAsync(Command.Set("k", "v", ProtocolVersion.V1, 1))).Status.Should().Be(ResponseStatus.Ok);
        }

        using (var reader = await TlsWireConnection.ConnectAsync(server.Server.TlsEndPoint!, Authority, readerCertificate))
        {
            (await reader.ExecuteAsync(Command.Get("k", ProtocolVersion.V1, 2))).PayloadText.Should().Be("v");
            (await reader.ExecuteAsync(Command.Set("k", "w", ProtocolVersion.V1, 3))).ErrorCode.Should().Be(ProtocolErrorCode.PermissionDenied);
        }

        // A common name that is no user's: the connection must AUTH, as without the option.
        using var stranger = await TlsWireConnection.ConnectAsync(server.Server.TlsEndPoint!, Authority, strangerCertificate);
        (await stranger.ExecuteAsync(Command.Get("k", ProtocolVersion.V1, 4))).ErrorCode.Should().Be(ProtocolErrorCode.NotAuthenticated);
        (await stranger.ExecuteAsync(Command.Auth("writer", "writer-pw", 5))).Status.Should().Be(ResponseStatus.Ok);
        (await stranger.ExecuteAsync(Command.Get("k", ProtocolVersion.V1, 6))).PayloadText.Should().Be("v");
    }

    [Test]
    public async Task Without_tls_client_user_a_certificate_that_names_a_user_does_not_authenticate()
    {
        await using var server = Start(configure: o => o with { Users = AuthenticationTests.Users() });
        using var writerCertificate = Pkcs12(TestCertificates.CreateLeaf(_clientAuthority, "writer", server: false));
        using var tls = await TlsWireConnection.ConnectAsync(server.Server.TlsEndPoint!, Authority, writerCertificate);
        (await tls.ExecuteAsync(Command.Get("k", ProtocolVersion.V1, 1))).ErrorCode.Should().Be(ProtocolErrorCode.NotAuthenticated);
    }

    [Test]
    public void Only_a_single_common_name_names_a_user()
    {
        using var key = System.Security.Cryptography.ECDsa.Create();
        string? NameOf(string subject)
        {
            var request = new System.Security.Cryptography.X509Certificates.CertificateRequest(subject, key, System.Security.Cryptography.HashAlgorithmName.SHA256);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            return Kv.Server.Security.ClientCertificateIdentity.CommonName(certificate);
        }

        NameOf("CN=writer, O=Kv").Should().Be("writer");
        NameOf("O=Kv, OU=writer").Should().BeNull("no CN");
        NameOf("CN=writer, CN=root").Should().BeNull("two CNs name nobody");
        NameOf("E=root@example.com").Should().BeNull("an e-mail name is not a CN");

        // Subjects that a reading of single-valued text CNs alone would take as CN=root.
        string? NameOfDer(Action<System.Formats.Asn1.AsnWriter> writeParts)
        {
            var writer = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
            using (writer.PushSequence())
            {
                writeParts(writer);
            }

            var request = new System.Security.Cryptography.X509Certificates.CertificateRequest(new X500DistinguishedName(writer.Encode()), key, System.Security.Cryptography.HashAlgorithmName.SHA256);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            return Kv.Server.Security.ClientCertificateIdentity.CommonName(certificate);
        }

        static void Attribute(System.Formats.Asn1.AsnWriter writer, string oid, Action<System.Formats.Asn1.AsnWriter> value)
        {
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(oid);
                value(writer);
            }
        }

        NameOfDer(w =>
        {
            using (w.PushSetOf())
            {
                Attribute(w, "2.5.4.3", v => v.WriteCharacterString(System.Formats.Asn1.UniversalTagNumber.T61String, "x"));
            }

            using (w.PushSetOf())
            {
                Attribute(w, "2.5.4.3", v => v.WriteCharacterString(System.Formats.Asn1.UniversalTagNumber.UTF8String, "root"));
            }
        }).Should().BeNull("two CNs in different encodings name nobody");
        NameOfDer(w =>
        {
            using (w.PushSetOf())
            {
                Attribute(w, "2.5.4.3", v => v.WriteCharacterString(System.Formats.Asn1.UniversalTagNumber.UTF8String, "alice"));
                Attribute(w, "2.5.4.10", v => v.WriteCharacterString(System.Formats.Asn1.UniversalTagNumber.UTF8String, "x"));
            }

            using (w.PushSetOf())
            {
                Attribute(w, "2.5.4.3", v => v.WriteCharacterString(System.Formats.Asn1.UniversalTagNumber.UTF8String, "root"));
            }
        }).Should().BeNull("a multi-valued part names nobody");
    }

    [Test]
    public async Task A_certificate_from_the_client_authority_for_servers_only_is_refused_as_a_client_certificate()
    {
        await using var server = Start();
        using var serverOnly = Pkcs12(TestCertificates.CreateLeaf(_clientAuthority, "root", server: true));
        await RefusedAsync(server, serverOnly);
    }

    private async Task RefusedAsync(InProcessServer server, X509Certificate2? clientCertificate)
    {
        // Under TLS 1.3 the client may finish its side before the server refuses: the refusal then ends the first exchange.
        try
        {
            using var tls = await TlsWireConnection.ConnectAsync(server.Server.TlsEndPoint!, Authority, clientCertificate);
            var exchange = () => tls.ExecuteAsync(Command.Ping());
            await exchange.Should().ThrowAsync<Exception>().Where(e => e.GetType() == typeof(AuthenticationException) || e.GetType() == typeof(IOException) || e.GetType() == typeof(EndOfStreamException));
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            // Refused in the handshake.
        }

        server.Server.Store.Count.Should().Be(0);
    }

    // On Linux a certificate with an ephemeral key is usable by SslStream; the round trip keeps the tests portable.
    private static X509Certificate2 Pkcs12(X509Certificate2 certificate)
    {
        using (certificate)
        {
            return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
        }
    }

    private InProcessServer Start(string? clientCaFile = null, Func<KvServerOptions, KvServerOptions>? configure = null) => InProcessServer.Start(o =>
    {
        var options = o with
        {
            TlsPort = 0,
            TlsCertificateFile = ServerPem.Certificate,
            TlsKeyFile = ServerPem.Key,
            TlsClientCaFile = clientCaFile ?? _clientCaFile,
        };
        return configure is null ? options : configure(options);
    });
}
