using System.Net;
using Kv.Server.Hosting;
using Kv.Server.Networking;

namespace Kv.Server.Tests.Infrastructure;

/// <summary>A real Kv server in this process, listening on a free loopback port.</summary>
internal sealed class TestServer : IAsyncDisposable
{
    private TestServer(KvServer server) => Server = server;

    public KvServer Server { get; }

    public IPEndPoint EndPoint => Server.EndPoint;

    public static TestServer Start(Func<KvServerOptions, KvServerOptions>? configure = null)
    {
        var options = new KvServerOptions { Port = 0 };
        options = configure?.Invoke(options) ?? options;
        var server = new KvServer(options);
        server.Start();
        return new TestServer(server);
    }

    public Task<WireConnection> ConnectAsync() => WireConnection.ConnectAsync(EndPoint);

    public async ValueTask DisposeAsync() => await Server.DisposeAsync();
}
