using System.Net.Sockets;

namespace Kv.Server.Networking;

/// <summary>
/// How a server serves its connections: the runtime's sockets (<see cref="Sockets.SocketTransport"/>) or Kv's own epoll
/// event loops (<see cref="EventLoop.EventLoopTransport"/>). Both behave the same to clients: limits, fairness, errors,
/// timeouts and shutdown.
/// </summary>
internal interface IServerTransport
{
    /// <summary>Starts accepting on a bound, listening socket; returns at once.</summary>
    void Start(Socket listener);

    /// <summary>
    /// Graceful shutdown: stops accepting, lets every connection answer what it has already received, closes them, and
    /// completes; connections still busy after <paramref name="timeout"/> are closed at once.
    /// </summary>
    Task StopAsync(TimeSpan timeout);
}
