using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Kv.Protocol;
using Kv.Testing;

namespace Kv.Server.Tests.Security.Tls;

/// <summary>
/// A TLS client for tests, as <see cref="WireConnection"/> is a plain one: connects, handshakes with an
/// <see cref="SslStream"/> that trusts only the given authority (and checks the name and the dates), and speaks the
/// protocol through Kv.Protocol's encoder and parser. Every read has a timeout.
/// </summary>
internal sealed class TlsWireConnection : IDisposable
{
    private readonly ReceivedResponses _responses = new();

    private TlsWireConnection(Socket socket, SslStream stream)
    {
        Socket = socket;
        Stream = stream;
    }

    public Socket Socket { get; }

    public SslStream Stream { get; }

    /// <summary>Connects and handshakes; throws <see cref="AuthenticationException"/> (or an <see cref="IOException"/>) when either side refuses.</summary>
    /// <param name="endPoint">The TLS port.</param>
    /// <param name="trustedAuthority">The only authority the client trusts.</param>
    /// <param name="clientCertificate">The client's certificate, for mutual TLS.</param>
    /// <param name="protocols">The TLS versions the client offers.</param>
    /// <param name="wrap">Wraps the socket's stream under the TLS one (to cut what the client sends into pieces, say).</param>
    public static async Task<TlsWireConnection> ConnectAsync(IPEndPoint endPoint, X509Certificate2 trustedAuthority, X509Certificate2? clientCertificate = null,
        SslProtocols protocols = SslProtocols.Tls12 | SslProtocols.Tls13, Func<Stream, Stream>? wrap = null)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        SslStream? stream = null;
        try
        {
            await socket.ConnectAsync(endPoint);
            Stream inner = new NetworkStream(socket, ownsSocket: false);
            stream = new SslStream(wrap is null ? inner : wrap(inner));
            var options = new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                EnabledSslProtocols = protocols,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) => Trusts(trustedAuthority, certificate, chain, errors),
            };
            using var timeout = new CancellationTokenSource(WireConnection.DefaultTimeout);
            await stream.AuthenticateAsClientAsync(options, timeout.Token);
            return new TlsWireConnection(socket, stream);
        }
        catch
        {
            stream?.Dispose();
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The validation a client should do: the chain ends at the test authority, the name matches, the dates hold.</summary>
    public static bool Trusts(X509Certificate2 authority, X509Certificate? certificate, X509Chain? sent, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (sent is not null)
        {
            // The intermediates the server sent along.
            chain.ChainPolicy.ExtraStore.AddRange(sent.ChainPolicy.ExtraStore);
        }

        return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }

    public async Task<Response> ExecuteAsync(Command command)
    {
        await Stream.WriteAsync(WireConnection.Encode(command));
        return await ReadResponseAsync();
    }

    public Task<Response> ReadResponseAsync() =>
        _responses.ReadAsync((memory, cancellationToken) => Stream.ReadAsync(memory, cancellationToken), WireConnection.DefaultTimeout);

    public void Dispose()
    {
        Stream.Dispose();
        Socket.Dispose();
    }
}
