using Kv.Protocol;
using Kv.Storage;
using Kv.Testing.Time;

namespace Kv.Server.Tests.Expiry;

/// <summary>
/// A real server over loopback whose store runs on a <see cref="ManualClock"/>: expiry is exact (a TTL is the number of
/// milliseconds the test moved the clock), and a test says when time passes, so nothing depends on the machine's speed.
/// </summary>
internal sealed class ClockedServer : IAsyncDisposable
{
    private ClockedServer(ManualClock clock, MemoryStore store, InProcessServer server, WireConnection connection)
    {
        Clock = clock;
        Store = store;
        Server = server;
        Connection = connection;
    }

    public ManualClock Clock { get; }

    public MemoryStore Store { get; }

    public InProcessServer Server { get; }

    public WireConnection Connection { get; }

    /// <summary>The store's wall clock now, in Unix milliseconds: what PXAT and absolute EXPIRE times are counted from.</summary>
    public long UnixNow => Clock.UnixMilliseconds;

    public static async Task<ClockedServer> StartAsync()
    {
        var clock = new ManualClock();
        var store = new MemoryStore(new MemoryStoreOptions { TimeProvider = clock });
        InProcessServer? server = null;
        try
        {
            server = InProcessServer.Start(store: store);
            return new ClockedServer(clock, store, server, await server.ConnectAsync());
        }
        catch
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }

            store.Dispose();
            throw;
        }
    }

    public Task<Response> ExecuteAsync(Command command) => Connection.ExecuteAsync(command);

    /// <summary>TTL's answer for <paramref name="key"/>: the milliseconds left, -1 for none, or null for a missing key.</summary>
    public async Task<long?> TtlAsync(string key)
    {
        var response = await ExecuteAsync(Command.Ttl(key, 900));
        if (response.Equals(Response.NotFound(900)))
        {
            return null;
        }

        response.TryReadTimeToLive(out var left).Should().BeTrue("TTL answers NOT_FOUND or a time, not {0}", response);
        return left;
    }

    /// <summary>GET's answer in version 1: the value as text, or null for NOT_FOUND.</summary>
    public async Task<string?> GetAsync(string key)
    {
        var response = await ExecuteAsync(Command.Get(key, ProtocolVersion.V1, 901));
        if (response.Equals(Response.NotFound(901)))
        {
            return null;
        }

        response.Status.Should().Be(ResponseStatus.Ok);
        return response.PayloadText;
    }

    public async ValueTask DisposeAsync()
    {
        Connection.Dispose();
        await Server.DisposeAsync();
        Store.Dispose();
    }
}
