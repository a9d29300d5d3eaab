using System.Security.Cryptography.X509Certificates;

namespace Kv.Server.Tests.Security.Tls;

/// <summary>
/// What the TLS fixtures share: a test authority, a server certificate it signed (for localhost and 127.0.0.1) written
/// as PEM files, and their clean-up.
/// </summary>
public abstract class TlsFixture : IDisposable
{
    protected TestCertificates Files { get; } = new();

    protected X509Certificate2 Authority { get; } = TestCertificates.CreateAuthority("Kv test CA");

    protected X509Certificate2 ServerCertificate { get; private set; } = null!;

    protected (string Certificate, string Key) ServerPem { get; private set; }

    [OneTimeSetUp]
    public void CreateServerCertificate()
    {
        ServerCertificate = TestCertificates.CreateLeaf(Authority, "kv-server", server: true);
        ServerPem = Files.WritePem(ServerCertificate, "server");
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            Files.Dispose();
            Authority.Dispose();
            ServerCertificate?.Dispose();
        }
    }
}
