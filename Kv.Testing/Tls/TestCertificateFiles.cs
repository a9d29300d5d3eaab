namespace Kv.Testing.Tls;

/// <summary>
/// A new set of <see cref="TestCertificates"/> written as PEM files (<c>ca.pem</c>, <c>server.pem</c>/<c>server.key</c>,
/// <c>client.pem</c>/<c>client.key</c>) into a directory of its own, for tests that pass file names to a tool or a
/// server; disposing deletes them.
/// </summary>
public sealed class TestCertificateFiles : IDisposable
{
    private TestCertificateFiles(TestCertificates certificates, string directory)
    {
        Certificates = certificates;
        Directory = directory;
    }

    public TestCertificates Certificates { get; }

    public string Directory { get; }

    /// <summary>Makes the certificates and writes them under the temporary directory, in a new folder named after <paramref name="prefix"/>.</summary>
    public static TestCertificateFiles Create(string prefix)
    {
        var certificates = TestCertificates.Create();
        var directory = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        certificates.WritePem(directory);
        return new TestCertificateFiles(certificates, directory);
    }

    /// <summary>The path of one of the files (<c>ca.pem</c>, <c>server.key</c>...).</summary>
    public string Pem(string name) => Path.Combine(Directory, name);

    public void Dispose()
    {
        Certificates.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
