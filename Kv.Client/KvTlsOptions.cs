using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Kv.Client;

/// <summary>
/// TLS for a <see cref="KvClient"/>'s connections (<see cref="KvClientOptions.Tls"/>): every connection, the first
/// and every reconnection, wraps its socket in an <see cref="SslStream"/> and completes the handshake before its AUTH
/// and opening PING. Immutable, changed with <c>with</c>: <c>KvTlsOptions.Default with { TargetHost = "cache.local" }</c>.
/// </summary>
public sealed record KvTlsOptions
{
    /// <summary>TLS with every default: the system's certificate validation, the end point's host name, TLS 1.2 and 1.3.</summary>
    public static KvTlsOptions Default { get; } = new();

    /// <summary>
    /// The host name the server's certificate must be issued for, and the one sent as SNI; null (the default) for the
    /// host of <see cref="KvClientOptions.EndPoint"/> (an IP address is then checked against the certificate's IP
    /// addresses).
    /// </summary>
    public string? TargetHost { get; init; }

    /// <summary>The client certificate, with its private key, for a server that requires mutual TLS; null (the default) for none.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>
    /// The certificates to trust as roots for the server's certificate instead of the system's store (a private CA:
    /// load a PEM bundle with <see cref="X509Certificate2Collection.ImportFromPemFile"/>), or null (the default) for the
    /// system's store. The host name is still checked.
    /// </summary>
    public X509Certificate2Collection? TrustedCertificates { get; init; }

    /// <summary>
    /// Decides whether the server's certificate is accepted; null (the default) accepts it only when the system's
    /// validation found no error (<see cref="SslPolicyErrors.None"/>: a trusted chain, the right host name; the chain
    /// judged against <see cref="TrustedCertificates"/> when set, before the callback is called). A callback
    /// that returns false fails the connection with <see cref="KvTlsException"/>.
    /// </summary>
    public RemoteCertificateValidationCallback? RemoteCertificateValidationCallback { get; init; }

    /// <summary>The TLS versions allowed. Default TLS 1.2 and TLS 1.3.</summary>
    public SslProtocols EnabledProtocols { get; init; } = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>Every option, the client certificate by its subject.</summary>
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("TargetHost = ").Append(TargetHost)
            .Append(", ClientCertificate = ").Append(ClientCertificate?.Subject)
            .Append(", TrustedCertificates = ").Append(TrustedCertificates is null ? "(system)" : $"({TrustedCertificates.Count})")
            .Append(", RemoteCertificateValidationCallback = ").Append(RemoteCertificateValidationCallback is null ? "(system)" : "(set)")
            .Append(", EnabledProtocols = ").Append(EnabledProtocols);
        return true;
    }
}
