using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Kv.Server.Diagnostics;
using Kv.Server.Hosting;
using Microsoft.Extensions.Logging;

namespace Kv.Server.Networking.Tls;

/// <summary>
/// The server's TLS settings: its certificate (from <c>--tls-cert</c> and <c>--tls-key</c>, held in a volatile field so
/// that <see cref="Reload"/> changes it for new handshakes only) and, for mutual TLS, the client certificate authorities.
/// </summary>
internal sealed class TlsCertificates
{
    private readonly KvServerOptions _options;
    private readonly ILogger _logger;
    private readonly X509Certificate2Collection? _clientAuthorities;
    private volatile SslStreamCertificateContext _context;

    private TlsCertificates(KvServerOptions options, ILogger logger, SslStreamCertificateContext context, X509Certificate2Collection? clientAuthorities)
    {
        _options = options;
        _logger = logger;
        _context = context;
        _clientAuthorities = clientAuthorities;
    }

    /// <summary>The certificate served to new handshakes.</summary>
    public X509Certificate2 Certificate => _context.TargetCertificate;

    /// <summary>Loads the certificate, its key and the client authorities.</summary>
    /// <exception cref="ArgumentException">A file cannot be read or is not what it should be; the message names the option.</exception>
    public static TlsCertificates Load(KvServerOptions options, ILogger logger)
    {
        var context = LoadContext(options, logger, "start");
        X509Certificate2Collection? authorities = null;
        if (options.TlsClientCaFile is { } caFile)
        {
            authorities = [];
            try
            {
                authorities.ImportFromPemFile(caFile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
            {
                throw new ArgumentException($"--tls-client-ca: cannot read {caFile}: {e.Message}", e);
            }

            if (authorities.Count == 0)
            {
                throw new ArgumentException($"--tls-client-ca: {caFile} holds no PEM certificate.");
            }
        }

        return new TlsCertificates(options, logger, context, authorities);
    }

    /// <summary>
    /// Re-reads the certificate and key files (on SIGHUP): new handshakes use them, connections already open keep theirs.
    /// A failure keeps the previous certificate and is logged as an error.
    /// </summary>
    /// <returns>Whether the new certificate is in use.</returns>
    public bool Reload()
    {
        try
        {
            // Said only once new handshakes get it: whoever waits for the line may connect at once.
            _context = LoadContext(_options, _logger, source: null);
            var certificate = _context.TargetCertificate;
            ServerLog.TlsCertificateLoaded(_logger, certificate.Subject, certificate.NotBefore.ToUniversalTime(), certificate.NotAfter.ToUniversalTime(), "reload");
            return true;
        }
        catch (ArgumentException e)
        {
            ServerLog.TlsReloadFailed(_logger, e.Message);
            return false;
        }
    }

    /// <summary>The options of one handshake: the current certificate, TLS 1.2 and 1.3, and client certificates for mutual TLS.</summary>
    public SslServerAuthenticationOptions CreateServerOptions() => new()
    {
        ServerCertificateContext = _context,
        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        ClientCertificateRequired = _clientAuthorities is not null,
        RemoteCertificateValidationCallback = _clientAuthorities is null ? null : ValidateClientCertificate,
        AllowRenegotiation = false,
    };

    // Mutual TLS: the client's certificate must chain to one of --tls-client-ca's authorities (and to nothing else: the
    // system's roots are not trusted here), and be valid now. Revocation is not checked.
    private bool ValidateClientCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_clientAuthorities!);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            // Intermediates the client sent along (SslStream puts them in the chain's extra store).
            custom.ChainPolicy.ExtraStore.AddRange(chain.ChainPolicy.ExtraStore);
        }

        return certificate is X509Certificate2 certificate2
            ? custom.Build(certificate2)
            : BuildCopy(custom, certificate);

        static bool BuildCopy(X509Chain chain, X509Certificate certificate)
        {
            using var copy = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            return chain.Build(copy);
        }
    }

    private static SslStreamCertificateContext LoadContext(KvServerOptions options, ILogger logger, string? source)
    {
        var certFile = options.TlsCertificateFile!;
        var keyFile = options.TlsKeyFile!;
        X509Certificate2 certificate;
        var chain = new X509Certificate2Collection();
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(certFile, keyFile);

            // Re-imported as PKCS#12 so that the private key is one SslStream can use on every platform (an ephemeral
            // key is refused on Windows).
            certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            chain.ImportFromPemFile(certFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new ArgumentException($"--tls-cert/--tls-key: cannot load {certFile} with {keyFile}: {e.Message}", e);
        }

        if (!certificate.HasPrivateKey)
        {
            throw new ArgumentException($"--tls-key: {keyFile} is not the private key of {certFile}.");
        }

        // The rest of the file's certificates (intermediates) are sent along with the server's own.
        var intermediates = new X509Certificate2Collection();
        foreach (var other in chain)
        {
            if (other.Thumbprint != certificate.Thumbprint)
            {
                intermediates.Add(other);
            }
        }

        if (source is not null)
        {
            ServerLog.TlsCertificateLoaded(logger, certificate.Subject, certificate.NotBefore.ToUniversalTime(), certificate.NotAfter.ToUniversalTime(), source);
        }

        var now = DateTime.Now;
        if (now < certificate.NotBefore || now > certificate.NotAfter)
        {
            ServerLog.TlsCertificateNotValidNow(logger, certificate.Subject, certificate.NotBefore.ToUniversalTime(), certificate.NotAfter.ToUniversalTime());
        }

        return SslStreamCertificateContext.Create(certificate, intermediates, offline: true);
    }
}
