using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Kv.Bench.Load;

/// <summary>
/// TLS for every connection of a run (<c>--tls</c> and its options): the handshake each <see cref="ConnectionWorker"/>
/// makes before its AUTH and its load, TLS 1.2 or 1.3, with the same checks as Kv.Client: the system's store or
/// <see cref="TrustedCertificates"/> (<c>--tls-ca</c>), the name <see cref="TargetHost"/> (<c>--tls-host</c>, else
/// the host), an optional client certificate, or no check at all (<see cref="Insecure"/>).
/// </summary>
internal sealed record BenchTls
{
    /// <summary>What <c>--tls-insecure</c> prints on standard error, every run.</summary>
    public const string InsecureWarning =
        "kv-bench: WARNING: --tls-insecure: the server's certificate is NOT checked; anyone on the path can pose as the server " +
        "and read or change this traffic, the password included. For tests only: give --tls-ca instead.";

    /// <summary>The name the server's certificate must carry (and SNI); null for the host.</summary>
    public string? TargetHost { get; init; }

    /// <summary>Roots to trust instead of the system's store; null for the system's store.</summary>
    public X509Certificate2Collection? TrustedCertificates { get; init; }

    /// <summary>The client certificate with its key (mutual TLS), or null.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>Accept any certificate.</summary>
    public bool Insecure { get; init; }

    /// <summary>Reads the PEM files: a missing or bad one is an <see cref="ArgumentException"/> naming its option.</summary>
    public static BenchTls Load(string? targetHost, string? caFile, string? certificateFile, string? keyFile, bool insecure)
    {
        if ((certificateFile is null) != (keyFile is null))
        {
            throw new ArgumentException("--tls-cert and --tls-key go together: the client certificate and its private key (KV_TLS_CLIENT_CERT, KV_TLS_CLIENT_KEY).");
        }

        if (insecure && caFile is not null)
        {
            throw new ArgumentException("--tls-insecure checks nothing, so --tls-ca would be ignored: give one of them.");
        }

        X509Certificate2Collection? roots = null;
        if (caFile is not null)
        {
            roots = [];
            try
            {
                roots.ImportFromPemFile(caFile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
            {
                throw new ArgumentException($"--tls-ca: cannot read the certificates in '{caFile}': {e.Message}", e);
            }

            if (roots.Count == 0)
            {
                throw new ArgumentException($"--tls-ca: '{caFile}' holds no PEM certificate (-----BEGIN CERTIFICATE-----).");
            }
        }

        X509Certificate2? client = null;
        if (certificateFile is not null)
        {
            try
            {
                using var loaded = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
                client = X509CertificateLoader.LoadPkcs12(loaded.Export(X509ContentType.Pkcs12), null);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
            {
                throw new ArgumentException($"--tls-cert/--tls-key: cannot read the client certificate '{certificateFile}' with the key '{keyFile}': {e.Message}", e);
            }
        }

        return new BenchTls { TargetHost = targetHost, TrustedCertificates = roots, ClientCertificate = client, Insecure = insecure };
    }

    /// <summary>
    /// Wraps a connected, blocking socket and completes the handshake within 10 s. A refused certificate or version is
    /// an <see cref="IOException"/> that says TLS and why (the <see cref="SslPolicyErrors"/>).
    /// </summary>
    public SslStream Authenticate(Socket socket, string host)
    {
        var targetHost = TargetHost ?? host;
        var policyErrors = SslPolicyErrors.None;
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = targetHost,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                if (TrustedCertificates is not null && certificate is not null)
                {
                    errors = CheckChain(certificate, chain, TrustedCertificates, errors);
                }

                policyErrors = errors;
                return Insecure || errors == SslPolicyErrors.None;
            },
        };
        if (ClientCertificate is { } client)
        {
            options.ClientCertificates = [client];
            options.LocalCertificateSelectionCallback = (_, _, _, _, _) => client;
        }

        var stream = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            stream.AuthenticateAsClientAsync(options, timeout.Token).GetAwaiter().GetResult();
            return stream;
        }
        catch (AuthenticationException e)
        {
            stream.Dispose();
            var why = policyErrors != SslPolicyErrors.None
                ? $"the server's certificate was not accepted for '{targetHost}' ({policyErrors}): check --tls-ca and --tls-host"
                : e.Message;
            throw new IOException($"TLS handshake failed: {why}", e);
        }
        catch (OperationCanceledException e)
        {
            stream.Dispose();
            throw new IOException("TLS handshake failed: no answer within 10 s (is this the server's TLS port?)", e);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static SslPolicyErrors CheckChain(X509Certificate certificate, X509Chain? sent, X509Certificate2Collection roots, SslPolicyErrors errors)
    {
        using var chain = new X509Chain();
        if (sent is not null)
        {
            foreach (var element in sent.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf)
            ? errors & ~SslPolicyErrors.RemoteCertificateChainErrors
            : errors | SslPolicyErrors.RemoteCertificateChainErrors;
    }
}
