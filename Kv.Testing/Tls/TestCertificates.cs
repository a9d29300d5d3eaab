using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Kv.Testing.Tls;

/// <summary>
/// Certificates made for a test with <see cref="CertificateRequest"/>: a test CA, a server certificate it issued for
/// <c>localhost</c> and 127.0.0.1 (SubjectAlternativeName), and a client certificate it issued (for mutual TLS). Each
/// set is new: nothing is installed in any store. <see cref="WritePem"/> writes them as PEM files for the tools.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private TestCertificates(X509Certificate2 authority, X509Certificate2 server, X509Certificate2 client)
    {
        Authority = authority;
        Server = server;
        Client = client;
    }

    /// <summary>The test CA (self-signed), with its key.</summary>
    public X509Certificate2 Authority { get; }

    /// <summary>The server's certificate for localhost and 127.0.0.1, issued by <see cref="Authority"/>, with its key.</summary>
    public X509Certificate2 Server { get; }

    /// <summary>A client certificate (CN=kv-test-client) issued by <see cref="Authority"/>, with its key.</summary>
    public X509Certificate2 Client { get; }

    /// <summary>Makes a new CA and the certificates it issues.</summary>
    /// <param name="authorityName">The CA's common name (two sets with different names do not trust each other).</param>
    public static TestCertificates Create(string authorityName = "Kv Test CA")
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest($"CN={authorityName}", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));

        var server = Issue(ca, "CN=localhost", serverAuth: true, names =>
        {
            names.AddDnsName("localhost");
            names.AddIpAddress(IPAddress.Loopback);
        });
        var client = Issue(ca, "CN=kv-test-client", serverAuth: false, names => names.AddDnsName("kv-test-client"));
        return new TestCertificates(Reload(ca), server, client);
    }

    /// <summary>
    /// Writes <c>ca.pem</c>, <c>server.pem</c>/<c>server.key</c> and <c>client.pem</c>/<c>client.key</c> into
    /// <paramref name="directory"/>.
    /// </summary>
    public void WritePem(string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "ca.pem"), Authority.ExportCertificatePem());
        File.WriteAllText(Path.Combine(directory, "server.pem"), Server.ExportCertificatePem());
        File.WriteAllText(Path.Combine(directory, "server.key"), Server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(Path.Combine(directory, "client.pem"), Client.ExportCertificatePem());
        File.WriteAllText(Path.Combine(directory, "client.key"), Client.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Authority.Dispose();
        Server.Dispose();
        Client.Dispose();
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, string subject, bool serverAuth, Action<SubjectAlternativeNameBuilder> addNames)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        var names = new SubjectAlternativeNameBuilder();
        addNames(names);
        request.CertificateExtensions.Add(names.Build());
        var serial = new byte[16];
        RandomNumberGenerator.Fill(serial);
        serial[0] &= 0x7F;
        var now = DateTimeOffset.UtcNow;
        using var issued = request.Create(ca, now.AddHours(-1), now.AddDays(7), serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        return Reload(withKey);
    }

    // Through PKCS#12, so that the key is usable by SslStream on every platform.
    private static X509Certificate2 Reload(X509Certificate2 certificate) =>
        X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
}
