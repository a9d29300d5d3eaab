using System.Net;
using Kv.Server.Hosting;
using Kv.Server.Networking;

namespace Kv.Client.Tests;

/// <summary>A real Kv server, in this process, on a loopback port.</summary>
internal sealed class TestServer : IAsyncDisposable
{
    private TestServer(KvServer server)
    {
        Server = server;
    }

    public KvServer Server { get; }

    public int Port => Server.EndPoint.Port;

    public string EndPoint => $"127.0.0.1:{Port}";

    public static TestServer Start(int port = 0, int maxConnections = 10_000)
    {
        var server = new KvServer(new KvServerOptions
        {
            BindAddress = IPAddress.Loopback,
            Port = port,
            MaxConnections = maxConnections,
            ShutdownTimeout = TimeSpan.FromSeconds(2),
        });
        server.Start();
        return new TestServer(server);
    }

    public Task StopAsync() => Server.StopAsync();

    public async ValueTask DisposeAsync() => await Server.DisposeAsync().ConfigureAwait(false);
}
