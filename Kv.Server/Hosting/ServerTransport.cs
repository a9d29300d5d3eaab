namespace Kv.Server.Hosting;

/// <summary>What serves a server's connections (<see cref="KvServerOptions.Transport"/>).</summary>
public enum ServerTransport
{
    /// <summary>
    /// Kv's own event loops (<c>--transport epoll</c>): non-blocking sockets on epoll, one loop per event thread, each
    /// reading, running and answering its connections' requests in turns, with no thread pool in between. Linux only.
    /// </summary>
    EventLoop,

    /// <summary>
    /// The runtime's socket engine (<c>--transport sockets</c>), with completions run inline on its event threads:
    /// every platform.
    /// </summary>
    Sockets,
}
