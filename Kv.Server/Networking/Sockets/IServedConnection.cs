namespace Kv.Server.Networking.Sockets;

/// <summary>
/// A connection the sockets transport serves, plain (<see cref="SocketConnection"/>) or TLS
/// (<see cref="Tls.TlsConnection"/>): one accept loop, idle sweep and shutdown drive either.
/// </summary>
internal interface IServedConnection
{
    long Id { get; }

    /// <summary>When a byte was last received or sent, or the connection accepted (<see cref="Environment.TickCount64"/>).</summary>
    long LastActivity { get; }

    /// <summary>Serves the connection until its client leaves, a fatal error, an abort, or shutdown.</summary>
    /// <param name="stopping">Cancelled at graceful shutdown: the connection answers what it has received, then closes.</param>
    Task RunAsync(CancellationToken stopping);

    /// <summary>Closes the socket at once; <see cref="RunAsync"/> ends with the pending operation's failure.</summary>
    void Abort();
}
