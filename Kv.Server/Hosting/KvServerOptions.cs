using Kv.Epoll;
using System.Net;
using Kv.Protocol;
using Kv.Storage;
using Kv.Storage.Persistence;
using Kv.Server.Security;

namespace Kv.Server.Hosting;

/// <summary>
/// Everything a <see cref="Networking.KvServer"/> can be told. Every limit is named here with its default; the
/// command line (<c>--help</c>) and <c>docs/operations.md</c> list the same.
/// </summary>
public sealed record KvServerOptions
{
    /// <summary>The reference implementation's port, and Kv's default.</summary>
    public const int DefaultPort = 6555;

    /// <summary>The address to listen on. Default: loopback only; listening beyond it is an explicit choice.</summary>
    public IPAddress BindAddress { get; init; } = IPAddress.Loopback;

    /// <summary>The TCP port; 0 picks a free one (the server reports which).</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary>The most connections served at once; one more is answered with an ERROR and closed. Default 10,000.</summary>
    public int MaxConnections { get; init; } = 10_000;

    /// <summary>The largest frame (request) accepted, in bytes. Default 64 MiB.</summary>
    public int MaxFrameBytes { get; init; } = ProtocolLimits.DefaultMaxFrameBytes;

    /// <summary>
    /// How long a connection may go without receiving or sending a byte before it is closed. Default 5 minutes;
    /// <see cref="TimeSpan.Zero"/> turns the timeout off.
    /// </summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// TCP keepalive on client connections: after this long without traffic the kernel probes the peer (every third of
    /// it, three times) and closes a connection whose peer is gone, so that half-open connections do not stay until the
    /// idle timeout, or forever without one. Default 300 seconds, as Redis's <c>tcp-keepalive</c>;
    /// <see cref="TimeSpan.Zero"/> turns it off.
    /// </summary>
    public TimeSpan TcpKeepAlive { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>How long a graceful shutdown waits for connections to finish what they received. Default 10 seconds.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Once a connection's pending responses reach this many bytes, they are sent before more requests are read and
    /// answered: the bound on what a client that does not read can make the server hold. Default 256 KiB.
    /// </summary>
    public int SendBufferLimit { get; init; } = 256 * 1024;

    /// <summary>
    /// The most memory all client buffers together may take beyond each connection's starting buffers: large frames
    /// being received, large responses waiting to be sent. A frame that would take more is answered ERROR OutOfMemory
    /// and its connection closed; a response that would is replaced by ERROR OutOfMemory. Default an eighth of the
    /// memory available (<see cref="MemoryDefaults.MaxClientMemory"/>), at most 1 GiB; at least 1 MiB.
    /// </summary>
    public long MaxClientMemory { get; init; } = MemoryDefaults.MaxClientMemory(MemoryDefaults.Available);

    /// <summary>
    /// The most response bytes held for one client before it is disconnected (Redis's <c>client-output-buffer-limit</c>
    /// hard limit): a client that asks for more than this without reading it is closed at once, without them. Default
    /// 256 MiB (above the largest response the default frame limit allows, so only a larger frame limit or a lower
    /// setting brings it into play); 0 turns it off. Pending responses are bounded anyway by
    /// <see cref="SendBufferLimit"/> plus one response, and all clients' together by <see cref="MaxClientMemory"/>.
    /// </summary>
    public long ClientOutputLimit { get; init; } = 256L * 1024 * 1024;

    /// <summary>
    /// The most memory the store may hold (records, their pages, indexes), when the server creates its store; a write
    /// that would need more is answered ERROR OutOfMemory while reads, CLEAR and writes that need no more go on (Redis's
    /// <c>maxmemory</c> with <c>noeviction</c>). Default three quarters of the memory available beyond 96 MiB, the
    /// machine's or the container's (<see cref="MemoryDefaults.MaxMemory"/>), so that a default server refuses writes
    /// before the kernel kills it. 0: no limit but the system's.
    /// </summary>
    public long MaxMemory { get; init; } = MemoryDefaults.MaxMemory(MemoryDefaults.Available);

    /// <summary>
    /// What a write past <see cref="MaxMemory"/> does: refused (<see cref="EvictionPolicy.NoEviction"/>, the default, as
    /// Redis's) or makes room by evicting keys, as <c>--eviction</c> names them.
    /// </summary>
    public EvictionPolicy Eviction { get; init; } = EvictionPolicy.NoEviction;

    /// <summary>The listen backlog. Default 511, as Redis.</summary>
    public int Backlog { get; init; } = 511;

    /// <summary>
    /// What serves the connections. Default <see cref="ServerTransport.EventLoop"/> where epoll exists (Linux), else
    /// <see cref="ServerTransport.Sockets"/>; asking for the event loop elsewhere is refused.
    /// </summary>
    public ServerTransport? Transport { get; init; }

    /// <summary>
    /// Event threads: with the event loop, how many loops serve the connections (each on its own thread, which also runs
    /// their commands); 0 picks half the cores, at least one. The sockets transport takes its thread count from the
    /// process (<c>kv-server</c> sets it at start, before any socket exists).
    /// </summary>
    public int EventThreads { get; init; }

    /// <summary>
    /// The append-only log: where, and when it is fsynced. Null (the default) keeps the store in memory only, and
    /// costs the request path nothing.
    /// </summary>
    public PersistenceOptions? Persistence { get; init; }

    /// <summary>
    /// The users who may connect (<c>--users</c>, <c>--password</c>): with them, a connection must authenticate (AUTH,
    /// protocol version 1) before it runs anything but PING, and then runs what its user's permission allows. Null (the
    /// default): no authentication, every connection may run everything.
    /// </summary>
    public UserDirectory? Users { get; init; }

    /// <summary>
    /// Serve on a non-loopback address without <see cref="Users"/> (<c>--unprotected</c>): <c>kv-server</c> refuses to
    /// start that way otherwise (protected mode, <see cref="CheckProtectedMode"/>). Default false.
    /// </summary>
    public bool Unprotected { get; init; }

    /// <summary>
    /// A second port served over TLS (<c>--tls-port</c>), beside <see cref="Port"/> in plain text, as Redis's
    /// <c>tls-port</c>; 0 picks a free one. Null (the default): no TLS. Needs <see cref="TlsCertificateFile"/> and
    /// <see cref="TlsKeyFile"/>. TLS connections are served on the runtime's sockets whatever <see cref="Transport"/> is.
    /// </summary>
    public int? TlsPort { get; init; }

    /// <summary>The server's certificate (chain) for TLS, a PEM file (<c>--tls-cert</c>); re-read on SIGHUP.</summary>
    public string? TlsCertificateFile { get; init; }

    /// <summary>The private key of <see cref="TlsCertificateFile"/>, a PEM file (<c>--tls-key</c>); re-read on SIGHUP.</summary>
    public string? TlsKeyFile { get; init; }

    /// <summary>
    /// Mutual TLS (<c>--tls-client-ca</c>): a PEM bundle of the certificate authorities a client's certificate must chain
    /// to; a client without one is refused in the handshake. Null (the default): clients are not asked for certificates.
    /// </summary>
    public string? TlsClientCaFile { get; init; }

    /// <summary>
    /// Mutual TLS identity (<c>--tls-client-user cn</c>): a TLS connection whose client certificate's common name (CN) is
    /// the name of one of <see cref="Users"/> is authenticated as that user when its handshake ends, without AUTH (as
    /// Redis's <c>tls-auth-clients-user CN</c>); one whose CN names no user must AUTH as usual. Needs
    /// <see cref="TlsClientCaFile"/> (only a certificate from a trusted authority may name a user) and <see cref="Users"/>.
    /// </summary>
    public bool TlsUserFromClientCertificate { get; init; }

    /// <summary>
    /// How long a TLS client has, from accept, to finish its handshake before it is closed. Default 10 seconds. A
    /// connection counts against <see cref="MaxConnections"/> from accept, handshake included.
    /// </summary>
    public TimeSpan TlsHandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Protected mode, as <c>kv-server</c> applies it at start: listening on an address other than loopback (0.0.0.0,
    /// ::, or any other) without users is refused unless <see cref="Unprotected"/> is set.
    /// </summary>
    /// <returns>Why the options are refused, or null when they are not.</returns>
    public string? CheckProtectedMode() => Users is null && !Unprotected && !IPAddress.IsLoopback(BindAddress)
        ? $"refusing to listen on {BindAddress} without authentication (protected mode): anyone who can reach the port could read, change and delete every key. " +
          "Set a password (--password or KV_PASSWORD) or a users file (--users, see kv-server hash-password), " +
          "or pass --unprotected (KV_UNPROTECTED=true) to accept the risk. See docs/security.md."
        : null;

    /// <summary>The keepalive probe settings for a connection (idle, interval, probes), or null when keepalive is off.</summary>
    internal (int IdleSeconds, int IntervalSeconds, int Probes)? ResolveKeepAlive()
    {
        if (TcpKeepAlive <= TimeSpan.Zero)
        {
            return null;
        }

        var idle = (int)Math.Max(1, TcpKeepAlive.TotalSeconds);
        return (idle, Math.Max(1, idle / 3), 3);
    }

    /// <summary>The transport this server uses: <see cref="Transport"/>, or the platform's default.</summary>
    public ServerTransport ResolveTransport() =>
        Transport ?? (Kv.Epoll.Native.IsSupported ? ServerTransport.EventLoop : ServerTransport.Sockets);

    /// <summary>The number of event threads: <see cref="EventThreads"/>, or half the cores (at least one).</summary>
    public int ResolveEventThreads() => EventThreads > 0 ? EventThreads : Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>Checks the options, throwing <see cref="ArgumentException"/> with the name of the first bad one.</summary>
    public void Validate()
    {
        if (Port is < 0 or > 65535)
        {
            throw new ArgumentException($"--port must be from 0 to 65535, not {Port}.");
        }

        if (MaxConnections < 1)
        {
            throw new ArgumentException($"--max-connections must be at least 1, not {MaxConnections}.");
        }

        if (MaxFrameBytes < ProtocolLimits.MinimumMaxFrameBytes)
        {
            throw new ArgumentException($"--max-frame-bytes must be at least {ProtocolLimits.MinimumMaxFrameBytes}, not {MaxFrameBytes}.");
        }

        if (IdleTimeout < TimeSpan.Zero)
        {
            throw new ArgumentException("--idle-timeout must not be negative.");
        }

        if (TcpKeepAlive < TimeSpan.Zero || (TcpKeepAlive > TimeSpan.Zero && TcpKeepAlive < TimeSpan.FromSeconds(1)) || TcpKeepAlive > TimeSpan.FromSeconds(32767))
        {
            throw new ArgumentException($"--tcp-keepalive must be 0 (off) or from 1 to 32767 seconds, not {TcpKeepAlive.TotalSeconds}.");
        }

        if (ShutdownTimeout < TimeSpan.Zero)
        {
            throw new ArgumentException("--shutdown-timeout must not be negative.");
        }

        if (ClientOutputLimit < 0)
        {
            throw new ArgumentException($"--client-output-limit must not be negative, not {ClientOutputLimit}.");
        }

        if (MaxMemory < 0)
        {
            throw new ArgumentException($"--max-memory must not be negative, not {MaxMemory}.");
        }

        if (MaxClientMemory < 1024 * 1024)
        {
            throw new ArgumentException($"--max-client-memory must be at least 1048576 (1 MiB), not {MaxClientMemory}.");
        }

        if (SendBufferLimit < 1024)
        {
            throw new ArgumentException("The send buffer limit must be at least 1024 bytes.");
        }

        if (EventThreads < 0)
        {
            throw new ArgumentException($"--io-threads must not be negative, not {EventThreads}.");
        }

        if (Transport == ServerTransport.EventLoop && !Kv.Epoll.Native.IsSupported)
        {
            throw new ArgumentException("--transport epoll needs Linux; use --transport sockets here.");
        }

        if (TlsPort is < 0 or > 65535)
        {
            throw new ArgumentException($"--tls-port must be from 0 to 65535, not {TlsPort}.");
        }

        if ((TlsCertificateFile is null) != (TlsKeyFile is null))
        {
            throw new ArgumentException("--tls-cert and --tls-key go together: give both (KV_TLS_CERT and KV_TLS_KEY).");
        }

        if (TlsPort is not null && TlsCertificateFile is null)
        {
            throw new ArgumentException("--tls-port needs --tls-cert and --tls-key.");
        }

        if (TlsPort is null && (TlsCertificateFile is not null || TlsClientCaFile is not null))
        {
            throw new ArgumentException("--tls-cert, --tls-key and --tls-client-ca need --tls-port (the port served over TLS).");
        }

        if (TlsUserFromClientCertificate && (TlsClientCaFile is null || Users is null))
        {
            throw new ArgumentException("--tls-client-user cn needs --tls-client-ca (the authorities whose certificates may name a user) and --users or --password.");
        }

        if (TlsHandshakeTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("--tls-handshake-timeout must be more than 0 seconds.");
        }

        Persistence?.Validate();
    }
}
