using System.Text;
using Kv.Protocol;
using Kv.Server.Diagnostics;
using Kv.Server.Hosting;
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
    private int _open;
    private long _nextId;
    private long _abortedAccepts;

    public ConnectionServices(KvServerOptions options, MemoryStore store, ICommitBarrier? commits, ILogger logger)
    {
        Options = options;
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

    /// <summary>Counts a new connection in, unless the server is at <see cref="KvServerOptions.MaxConnections"/>.</summary>
    /// <returns>The connection's id; 0 when it must be refused.</returns>
    public long TryAdmit()
    {
        if (Interlocked.Increment(ref _open) > Options.MaxConnections)
        {
            Interlocked.Decrement(ref _open);
            ServerLog.ConnectionRefused(Logger, Options.MaxConnections);
            return 0;
        }

        return Interlocked.Increment(ref _nextId);
    }

    /// <summary>Counts a connection out.</summary>
    public void Closed() => Interlocked.Decrement(ref _open);

    /// <summary>Counts an accept that failed because its client had already left.</summary>
    public void AcceptAborted() => Interlocked.Increment(ref _abortedAccepts);
}
