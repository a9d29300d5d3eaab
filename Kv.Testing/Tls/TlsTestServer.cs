using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Kv.Protocol;

namespace Kv.Testing.Tls;

/// <summary>
/// A small TLS server that speaks Kv protocol version 1 with Kv.Protocol's parser and encoder, for the clients' TLS
/// tests: a <see cref="TcpListener"/> whose connections are wrapped in <see cref="SslStream"/>, answering AUTH, PING,
/// SET, GET and CLEAR from a dictionary. It can require a client certificate issued by a CA (mutual TLS), a password,
/// and drop its connections. It counts handshakes started and completed, and the client certificates it saw.
/// </summary>
public sealed class TlsTestServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly X509Certificate2 _certificate;
    private readonly X509Certificate2? _clientAuthority;
    private readonly string? _password;
    private readonly ConcurrentDictionary<string, byte[]> _store = new();
    private readonly ConcurrentDictionary<SslStream, bool> _connections = new();
    private readonly ConcurrentQueue<string> _clientSubjects = new();
    private readonly ConcurrentQueue<string> _log = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _acceptLoop;
    private int _accepted;
    private int _handshakes;

    private TlsTestServer(X509Certificate2 certificate, X509Certificate2? clientAuthority, string? password, int port)
    {
        _certificate = certificate;
        _clientAuthority = clientAuthority;
        _password = password;
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>The port it listens on (127.0.0.1).</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary><c>127.0.0.1:port</c>.</summary>
    public string EndPoint => $"127.0.0.1:{Port}";

    /// <summary>TCP connections accepted (handshakes started).</summary>
    public int AcceptedConnections => Volatile.Read(ref _accepted);

    /// <summary>Handshakes completed.</summary>
    public int CompletedHandshakes => Volatile.Read(ref _handshakes);

    /// <summary>The subjects of the client certificates presented, in order.</summary>
    public IReadOnlyList<string> ClientSubjects => _clientSubjects.ToArray();

    /// <summary>Every request, as <c>connection-number:KIND</c> (the number counts completed handshakes from 1).</summary>
    public IReadOnlyList<string> Requests => _log.ToArray();

    /// <summary>Starts a server.</summary>
    /// <param name="certificate">Its certificate, with the private key.</param>
    /// <param name="clientAuthority">When set, a client certificate issued by this CA is required (mutual TLS).</param>
    /// <param name="password">When set, everything but AUTH (any user, this password) and PING is refused until AUTH.</param>
    /// <param name="port">The port; 0 (the default) for any free one.</param>
    public static TlsTestServer Start(X509Certificate2 certificate, X509Certificate2? clientAuthority = null, string? password = null, int port = 0) =>
        new(certificate, clientAuthority, password, port);

    /// <summary>Closes every connection (the clients see their connection lost).</summary>
    public void DropConnections()
    {
        foreach (var stream in _connections.Keys)
        {
            stream.Dispose();
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        DropConnections();
        try
        {
            await _acceptLoop;
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }

        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            var socket = await _listener.AcceptSocketAsync(_stopping.Token);
            socket.NoDelay = true;
            Interlocked.Increment(ref _accepted);
            _ = ServeAsync(socket);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        var stream = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        _connections[stream] = true;
        try
        {
            using var handshake = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            handshake.CancelAfter(TimeSpan.FromSeconds(10));
            await stream.AuthenticateAsServerAsync(
                new SslServerAuthenticationOptions
                {
                    ServerCertificate = _certificate,
                    ClientCertificateRequired = _clientAuthority is not null,
                    EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
                    CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                    RemoteCertificateValidationCallback = ValidateClient,
                },
                handshake.Token);
            var number = Interlocked.Increment(ref _handshakes);
            if (stream.RemoteCertificate is { } presented)
            {
                _clientSubjects.Enqueue(presented.Subject);
            }

            await ServeRequestsAsync(stream, number);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException or IOException
            or System.Security.Authentication.AuthenticationException)
        {
        }
        finally
        {
            _connections.TryRemove(stream, out _);
            await stream.DisposeAsync();
        }
    }

    private bool ValidateClient(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (_clientAuthority is null)
        {
            return true;
        }

        if (certificate is null)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.Add(_clientAuthority);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return custom.Build(leaf);
    }

    private async Task ServeRequestsAsync(SslStream stream, int number)
    {
        var buffer = new byte[1024 * 1024];
        var length = 0;
        var authenticated = _password is null;
        while (true)
        {
            var received = await stream.ReadAsync(buffer.AsMemory(length), _stopping.Token);
            if (received == 0)
            {
                return;
            }

            length += received;
            using var output = new MemoryStream();
            var consumed = 0;
            while (CommandParser.Default.TryParse(buffer.AsSpan(consumed, length - consumed), out var command, out _) == ParseStatus.Complete)
            {
                consumed += command.FrameLength;
                _log.Enqueue($"{number}:{command.Kind}");
                output.Write(Respond(command, ref authenticated));
            }

            buffer.AsSpan(consumed, length - consumed).CopyTo(buffer);
            length -= consumed;
            if (output.Length > 0)
            {
                await stream.WriteAsync(output.GetBuffer().AsMemory(0, (int)output.Length), _stopping.Token);
            }
        }
    }

    private byte[] Respond(in CommandView command, ref bool authenticated)
    {
        var id = command.RequestId;
        if (command.Kind == CommandKind.Auth)
        {
            if (_password is null || command.Value.SequenceEqual(Encoding.UTF8.GetBytes(_password)))
            {
                authenticated = true;
                return Encode(ResponseStatus.Ok, id, []);
            }

            return Error(id, ProtocolErrorCode.AuthenticationFailed, "authentication failed");
        }

        if (!authenticated && command.Kind != CommandKind.Ping)
        {
            return Error(id, ProtocolErrorCode.NotAuthenticated, "not authenticated");
        }

        var key = Convert.ToHexString(command.Key);
        byte[]? value;
        switch (command.Kind)
        {
            case CommandKind.Set:
                _store[key] = command.Value.ToArray();
                return Encode(ResponseStatus.Ok, id, []);
            case CommandKind.Get:
                return _store.TryGetValue(key, out value) ? Encode(ResponseStatus.Ok, id, value) : Encode(ResponseStatus.NotFound, id, []);
            case CommandKind.Clear:
                return _store.TryRemove(key, out value) ? Encode(ResponseStatus.Ok, id, value) : Encode(ResponseStatus.NotFound, id, []);
            case CommandKind.Ping:
                return Encode(ResponseStatus.Ok, id, command.Value.IsEmpty ? "PONG"u8 : command.Value);
            default:
                return Error(id, ProtocolErrorCode.UnknownCommand, "unknown command");
        }
    }

    private static byte[] Error(uint id, ProtocolErrorCode code, string message)
    {
        var text = Encoding.UTF8.GetBytes(message);
        var error = new byte[ResponseEncoder.GetEncodedLength(ProtocolVersion.V1, ResponseStatus.Error, text.Length)];
        ResponseEncoder.Encode(error, ProtocolVersion.V1, ResponseStatus.Error, id, text, code);
        return error;
    }

    private static byte[] Encode(ResponseStatus status, uint id, ReadOnlySpan<byte> payload)
    {
        var bytes = new byte[ResponseEncoder.GetEncodedLength(ProtocolVersion.V1, status, payload.Length)];
        ResponseEncoder.Encode(bytes, ProtocolVersion.V1, status, id, payload);
        return bytes;
    }
}
