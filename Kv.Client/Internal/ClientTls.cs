using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Kv.Client.Internal;

/// <summary>
/// The client's TLS handshake: wraps a connected socket in an <see cref="SslStream"/> and authenticates as a client
/// with <see cref="KvTlsOptions"/>. A handshake refused on the certificate or the TLS version becomes a
/// <see cref="KvTlsException"/> saying why; a connection lost during it stays an <see cref="IOException"/>.
/// </summary>
internal static class ClientTls
{
    public static async Task<SslStream> AuthenticateAsync(Socket socket, KvTlsOptions options, string configuredEndPoint, EndPoint endPoint, CancellationToken cancellationToken)
    {
        var targetHost = TargetHost(options, endPoint);
        var policyErrors = SslPolicyErrors.None;
        var callback = options.RemoteCertificateValidationCallback;
        var authentication = new SslClientAuthenticationOptions
        {
            TargetHost = targetHost,
            EnabledSslProtocols = options.EnabledProtocols,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
            {
                if (options.TrustedCertificates is { } roots && certificate is not null)
                {
                    errors = CheckChain(certificate, chain, roots, errors);
                }

                policyErrors = errors;
                return callback is null ? errors == SslPolicyErrors.None : callback(sender, certificate, chain, errors);
            },
        };
        if (options.ClientCertificate is { } clientCertificate)
        {
            authentication.ClientCertificates = [clientCertificate];
            authentication.LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate;
        }

        var stream = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
        try
        {
            await stream.AuthenticateAsClientAsync(authentication, cancellationToken).ConfigureAwait(false);
            return stream;
        }
        catch (AuthenticationException e)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw new KvTlsException(configuredEndPoint, targetHost, policyErrors, e);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Judges the certificate's chain against <paramref name="roots"/> alone (the system's store is not consulted):
    /// the chain error goes when the chain builds to one of them; the other errors (a name mismatch) stay.
    /// </summary>
    public static SslPolicyErrors CheckChain(X509Certificate certificate, X509Chain? sent, X509Certificate2Collection roots, SslPolicyErrors errors)
    {
        using var chain = new X509Chain();
        if (sent is not null)
        {
            // The intermediates the server sent.
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

    /// <summary>The name checked against the server's certificate: the option's, else the end point's host.</summary>
    public static string TargetHost(KvTlsOptions options, EndPoint endPoint) => options.TargetHost ?? endPoint switch
    {
        DnsEndPoint dns => dns.Host,
        IPEndPoint ip => ip.Address.ToString(),
        _ => endPoint.ToString() ?? string.Empty,
    };
}
