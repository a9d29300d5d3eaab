using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Kv.Client;

namespace Kv.Cli;

/// <summary>
/// <c>--tls</c> and its options: TLS to the server (its <c>--tls-port</c>), trusting the system's store or
/// <c>--tls-ca</c>, checking <c>--tls-host</c> (else <c>--host</c>), presenting <c>--tls-cert</c>/<c>--tls-key</c>
/// (mutual TLS), or checking nothing with <c>--tls-insecure</c>. Each falls back to a variable but
/// <c>--tls-insecure</c>, which must be asked for on the command line.
/// </summary>
public sealed partial class CliApplication
{
    /// <summary>What <c>--tls-insecure</c> prints on standard error, every time.</summary>
    public const string InsecureWarning =
        "kv: WARNING: --tls-insecure: the server's certificate is NOT checked; anyone on the path can pose as the server " +
        "and read or change this traffic, the password included. For tests only: give --tls-ca instead.";

    private Option<bool> _tls = null!;
    private Option<string?> _tlsCa = null!;
    private Option<string?> _tlsCert = null!;
    private Option<string?> _tlsKey = null!;
    private Option<string?> _tlsHost = null!;
    private Option<bool> _tlsInsecure = null!;

    private void AddTlsOptions(Command root)
    {
        _tls = new Option<bool>("--tls")
        {
            Description = "Connect with TLS (1.2 or 1.3), to the server's --tls-port; implied by the other --tls options (KV_TLS=1).",
            Recursive = true,
        };
        _tlsCa = File("--tls-ca", "A PEM bundle of certificate authorities to trust for the server's certificate, instead of the system's store (KV_TLS_CA).");
        _tlsCert = File("--tls-cert", "Mutual TLS: the client certificate to present, a PEM file; needs --tls-key (KV_TLS_CLIENT_CERT).");
        _tlsKey = File("--tls-key", "The private key of --tls-cert, a PEM file (KV_TLS_CLIENT_KEY).");
        _tlsHost = new Option<string?>("--tls-host")
        {
            Description = "The name the server's certificate must carry, also sent as SNI; without it, --host (KV_TLS_HOST).",
            Recursive = true,
        };
        _tlsInsecure = new Option<bool>("--tls-insecure")
        {
            Description = "Do not check the server's certificate at all (tests only: anyone on the path can pose as the server). No variable.",
            Recursive = true,
        };
        foreach (var option in new Option[] { _tls, _tlsCa, _tlsCert, _tlsKey, _tlsHost, _tlsInsecure })
        {
            root.Options.Add(option);
        }

        static Option<string?> File(string name, string description) => new(name) { Description = description, Recursive = true };
    }

    /// <summary>
    /// The TLS options of the command line and the variables, or null without TLS. Files are read here: a missing or
    /// bad one is an <see cref="ArgumentException"/> that names the option.
    /// </summary>
    private KvTlsOptions? TlsOptions(ParseResult result)
    {
        var ca = NonEmpty(result.GetValue(_tlsCa)) ?? NonEmpty(_environment("KV_TLS_CA"));
        var cert = NonEmpty(result.GetValue(_tlsCert)) ?? NonEmpty(_environment("KV_TLS_CLIENT_CERT"));
        var key = NonEmpty(result.GetValue(_tlsKey)) ?? NonEmpty(_environment("KV_TLS_CLIENT_KEY"));
        var host = NonEmpty(result.GetValue(_tlsHost)) ?? NonEmpty(_environment("KV_TLS_HOST"));
        var insecure = result.GetValue(_tlsInsecure);
        var enabled = result.GetValue(_tls) || IsTrue(_environment("KV_TLS")) || ca is not null || cert is not null || key is not null || host is not null || insecure;
        if (!enabled)
        {
            return null;
        }

        if ((cert is null) != (key is null))
        {
            throw new ArgumentException("--tls-cert and --tls-key go together: the client certificate and its private key (KV_TLS_CLIENT_CERT, KV_TLS_CLIENT_KEY).");
        }

        if (insecure && ca is not null)
        {
            throw new ArgumentException("--tls-insecure checks nothing, so --tls-ca would be ignored: give one of them.");
        }

        var tls = KvTlsOptions.Default with { TargetHost = host };
        if (ca is not null)
        {
            tls = tls with { TrustedCertificates = ReadAuthorities(ca) };
        }

        if (cert is not null)
        {
            tls = tls with { ClientCertificate = ReadCertificate(cert, key!) };
        }

        if (insecure)
        {
            _error.WriteLine(InsecureWarning);
            tls = tls with { RemoteCertificateValidationCallback = static (_, _, _, _) => true };
        }

        return tls;
    }

    private static bool IsTrue(string? text) => text is not null && (text == "1" || text.Equals("true", StringComparison.OrdinalIgnoreCase) || text.Equals("yes", StringComparison.OrdinalIgnoreCase));

    private static X509Certificate2Collection ReadAuthorities(string path)
    {
        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new ArgumentException($"--tls-ca: cannot read the certificates in '{path}': {e.Message}", e);
        }

        return authorities.Count > 0
            ? authorities
            : throw new ArgumentException($"--tls-ca: '{path}' holds no PEM certificate (-----BEGIN CERTIFICATE-----).");
    }

    private static X509Certificate2 ReadCertificate(string certificatePath, string keyPath)
    {
        try
        {
            using var loaded = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);

            // Through PKCS#12, so that the key can be used by the TLS stack on every platform.
            return X509CertificateLoader.LoadPkcs12(loaded.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new ArgumentException($"--tls-cert/--tls-key: cannot read the client certificate '{certificatePath}' with the key '{keyPath}': {e.Message}", e);
        }
    }
}
