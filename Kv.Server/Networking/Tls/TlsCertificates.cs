using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Kv.Server.Diagnostics;
using Kv.Server.Hosting;
using Microsoft.Extensions.Logging;

namespace Kv.Server.Networking.Tls;

/// <summary>
/// The server's TLS settings: its certificate (from <c>--tls-cert</c> and <c>--tls-key</c>) and, for mutual TLS, the
/// client certificate authorities (<c>--tls-client-ca</c>), held together in a volatile field so that <see cref="Reload"/>
/// changes them for new handshakes only.
/// </summary>
internal sealed class TlsCertificates
{
    private readonly KvServerOptions _options;
    private readonly ILogger _logger;
    private volatile Settings _settings;

    private TlsCertificates(KvServerOptions options, ILogger logger, Settings settings)
    {
        _options = options;
        _logger = logger;
        _settings = settings;
    }

    /// <summary>The certificate served to new handshakes.</summary>
    public X509Certificate2 Certificate => _settings.Context.TargetCertificate;

    /// <summary>The client authorities new handshakes trust under mutual TLS; null without it.</summary>
    public X509Certificate2Collection? ClientAuthorities => _settings.ClientAuthorities;

    /// <summary>Loads the certificate, its key and the client authorities.</summary>
    /// <exception cref="ArgumentException">A file cannot be read or is not what it should be; the message names the option.</exception>
    public static TlsCertificates Load(KvServerOptions options, ILogger logger) =>
        new(options, logger, new Settings(LoadContext(options, logger, "start"), LoadClientAuthorities(options)));

    /// <summary>
    /// Re-reads the certificate, key and client authority files (on SIGHUP): new handshakes use them, connections already
    /// open keep theirs. A failure of any keeps all the previous ones and is logged as an error.
    /// </summary>
    /// <returns>Whether the new files are in use.</returns>
    public bool Reload()
    {
        try
        {
            // Said only once new handshakes get it: whoever waits for the line may connect at once.
            _settings = new Settings(LoadContext(_options, _logger, source: null), LoadClientAuthorities(_options));
            var certificate = _settings.Context.TargetCertificate;
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
    public SslServerAuthenticationOptions CreateServerOptions()
    {
        var settings = _settings;
        return new()
        {
            ServerCertificateContext = settings.Context,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            ClientCertificateRequired = settings.ClientAuthorities is not null,

            // No issuer fetched from the network while a client waits (a client's certificate could point anywhere).
            CertificateChainPolicy = new X509ChainPolicy { DisableCertificateDownloads = true, RevocationMode = X509RevocationMode.NoCheck },
            RemoteCertificateValidationCallback = settings.Validator,
            AllowRenegotiation = false,
        };
    }

    private static X509Certificate2Collection? LoadClientAuthorities(KvServerOptions options)
    {
        if (options.TlsClientCaFile is not { } caFile)
        {
            return null;
        }

        X509Certificate2Collection authorities = [];
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

        return authorities;
    }

    // Mutual TLS: the client's certificate must chain to one of --tls-client-ca's authorities (and to nothing else: the
    // system's roots are not trusted here), and be valid now. Revocation is not checked.
    private static bool ValidateClientCertificate(X509Certificate2Collection authorities, X509Certificate? certificate, X509Chain? chain)
    {
        if (certificate is null)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(authorities);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        custom.ChainPolicy.DisableCertificateDownloads = true;

        // A certificate that says what it is for must say client authentication (one without the extension is for any).
        custom.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.2"));
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

    // One load's certificate and client authorities, swapped as one; the validator is made once per load.
    private sealed class Settings(SslStreamCertificateContext context, X509Certificate2Collection? clientAuthorities)
    {
        public SslStreamCertificateContext Context { get; } = context;

        public X509Certificate2Collection? ClientAuthorities { get; } = clientAuthorities;

        public RemoteCertificateValidationCallback? Validator { get; } = clientAuthorities is null
            ? null
            : (_, certificate, chain, _) => ValidateClientCertificate(clientAuthorities, certificate, chain);
    }
}
