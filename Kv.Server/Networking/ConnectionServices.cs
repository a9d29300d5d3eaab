using System.Net.Sockets;
using System.Text;
using Kv.Protocol;
using Kv.Protocol.Buffers;
using Kv.Server.Diagnostics;
using Kv.Server.Hosting;
using Kv.Server.Networking.ClientMemory;
using Kv.Storage;
using Kv.Storage.Persistence;
using Microsoft.Extensions.Logging;

namespace Kv.Server.Networking;

/// <summary>
/// What every connection needs, whatever the transport that serves it: the store, the parser and limits, the commit
/// barrier (with persistence), the logger, and the server's connection count and limit.
/// </summary>
internal sealed class ConnectionServices
{
    /// <summary>
    /// Refused connections being told why (answer, FIN, a short linger for the client to read it) at once; beyond that,
    /// one is closed at once with its answer sent but not waited on. They hold descriptors outside the connection count,
    /// so they must fit in <see cref="DescriptorLimit.Margin"/>.
    /// </summary>
    public const int MaxLingeringRefusals = DescriptorLimit.Margin / 3;

    /// <summary>
    /// Each connection's starting receive and send buffers. Buffers up to four times this (what a connection keeps while
    /// idle) are not counted against the client memory budget; larger ones are.
    /// </summary>
    public const int InitialBufferSize = 16 * 1024;

    private static readonly TimeSpan LogIntervalTime = TimeSpan.FromSeconds(10);

    private int _open;
    private int _refusing;
    private long _nextId;
    private long _abortedAccepts;
    private long _refused;

    public ConnectionServices(KvServerOptions options, MemoryStore store, ICommitBarrier? commits, ILogger logger, int? maxConnections = null)
    {
        Options = options;
        MaxConnections = maxConnections ?? options.MaxConnections;
        BufferPool = new ClientBufferPool(4 * InitialBufferSize, options.MaxClientMemory);
        Store = store;
        Commits = commits;
        Logger = logger;
        Parser = new CommandParser(new ProtocolLimits(options.MaxFrameBytes));
        var message = Encoding.UTF8.GetBytes("too many connections");
        var response = new byte[ResponseEncoder.GetEncodedLength(ProtocolVersion.V0, ResponseStatus.Error, message.Length)];
        ResponseEncoder.Encode(response, ProtocolVersion.V0, ResponseStatus.Error, 0, message);
        TooManyConnectionsResponse = response;
    }

    public KvServerOptions Options { get; }

    /// <summary>Connections served at once: <see cref="KvServerOptions.MaxConnections"/>, or fewer to fit the descriptor limit.</summary>
    public int MaxConnections { get; }

    /// <summary>Where the connections' buffers come from, under the client memory budget.</summary>
    public ClientBufferPool BufferPool { get; }

    /// <summary>Refusals (<see cref="ServerLog.ConnectionRefused"/>) are logged at most once per interval.</summary>
    public LogInterval RefusalLog { get; } = new(LogIntervalTime);

    /// <summary>Out-of-memory answers (the client memory budget, or the heap) are logged at most once per interval.</summary>
    public LogInterval OutOfMemoryLog { get; } = new(LogIntervalTime);

    /// <summary>Failed and timed-out TLS handshakes are logged at most once per interval (a scanner or a flood would fill the log).</summary>
    public LogInterval TlsHandshakeFailureLog { get; } = new(LogIntervalTime);

    /// <summary>Failed accepts (out of descriptors, say) are logged at most once per interval.</summary>
    public LogInterval AcceptFailureLog { get; } = new(LogIntervalTime);

    /// <summary>Connections refused since the start.</summary>
    public long RefusedCount => Interlocked.Read(ref _refused);

    public MemoryStore Store { get; }

    /// <summary>What responses to writes wait on with persistence; null for a store in memory only.</summary>
    public ICommitBarrier? Commits { get; }

    public ILogger Logger { get; }

    public CommandParser Parser { get; }

    /// <summary>What a refused connection is told, in version 0, which every client reads.</summary>
    public ReadOnlyMemory<byte> TooManyConnectionsResponse { get; }

    /// <summary>Connections open now.</summary>
    public int ConnectionCount => Volatile.Read(ref _open);

    /// <summary>Connections accepted and served since the start (open or closed since).</summary>
    public long AcceptedCount => Volatile.Read(ref _nextId);

    /// <summary>Connections whose clients left while they waited in the listen backlog.</summary>
    public long AbortedAcceptCount => Interlocked.Read(ref _abortedAccepts);

    /// <summary>A connection's buffers (from the client buffer pool) and the step that answers what arrives in them.</summary>
    /// <param name="connectionId">The connection's id, for the log.</param>
    /// <param name="peer">The client's address, asked for only when a log line names it (a failed AUTH).</param>
    /// <param name="input">The receive buffer.</param>
    /// <param name="output">The send buffer.</param>
    public FrameProcessor CreateFrames(long connectionId, Func<System.Net.EndPoint?> peer, out ReceiveBuffer input, out PooledBufferWriter output)
    {
        input = new ReceiveBuffer(InitialBufferSize, Parser.Limits.MaxFrameBytes, BufferPool);
        output = new PooledBufferWriter(InitialBufferSize, BufferPool);
        return new FrameProcessor(connectionId, input, output, Store, Parser, Options.SendBufferLimit, Logger, persistent: Commits is not null, OutOfMemoryLog, Options.ClientOutputLimit,
            Options.Users, Options.Users is null ? null : peer);
    }

    /// <summary>Counts a new connection in, unless the server is at <see cref="MaxConnections"/>.</summary>
    /// <returns>The connection's id; 0 when it must be refused.</returns>
    public long TryAdmit()
    {
        if (Interlocked.Increment(ref _open) > MaxConnections)
        {
            Interlocked.Decrement(ref _open);
            Interlocked.Increment(ref _refused);
            if (RefusalLog.TryLog(out var suppressed))
            {
                ServerLog.ConnectionRefused(Logger, MaxConnections, suppressed, RefusalLog.Seconds);
            }

            return 0;
        }

        return Interlocked.Increment(ref _nextId);
    }

    /// <summary>
    /// Counts a refused connection that lingers to be told why, unless <see cref="MaxLingeringRefusals"/> already do.
    /// </summary>
    /// <returns>False when the refused connection must be closed at once.</returns>
    public bool TryBeginRefusal()
    {
        if (Interlocked.Increment(ref _refusing) > MaxLingeringRefusals)
        {
            Interlocked.Decrement(ref _refusing);
            return false;
        }

        return true;
    }

    /// <summary>Counts a lingering refused connection out.</summary>
    public void RefusalEnded() => Interlocked.Decrement(ref _refusing);

    /// <summary>Counts a connection out.</summary>
    public void Closed() => Interlocked.Decrement(ref _open);

    /// <summary>Counts an accept that failed because its client had already left.</summary>
    public void AcceptAborted() => Interlocked.Increment(ref _abortedAccepts);

    /// <summary>
    /// Readies an accepted socket of the runtime's sockets (the sockets and TLS transports; the event loop sets the same
    /// options on its descriptors): no Nagle delay, and TCP keepalive as <c>--tcp-keepalive</c> says.
    /// </summary>
    public void ConfigureAccepted(Socket socket)
    {
        socket.NoDelay = true;
        if (Options.ResolveKeepAlive() is { } keepAlive)
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, keepAlive.IdleSeconds);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, keepAlive.IntervalSeconds);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, keepAlive.Probes);
        }
    }
}
