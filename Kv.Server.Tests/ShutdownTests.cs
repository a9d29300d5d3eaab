using System.Net.Sockets;
using Kv.Protocol;

namespace Kv.Server.Tests;

public class ShutdownTests
{
    [Test]
    public async Task Stopping_answers_every_request_already_received_then_closes()
    {
        var server = InProcessServer.Start();
        using var connection = await server.ConnectAsync();
        (await connection.ExecuteAsync(Command.Ping("ready"))).PayloadText.Should().Be("ready");

        const int count = 5000;
        await connection.SendAsync(WireConnection.Encode(Enumerable.Range(0, count).Select(i => Command.Set($"k{i}", $"v{i}", ProtocolVersion.V1, (uint)i))));
        var stopping = server.Server.StopAsync();

        for (var i = 0; i < count; i++)
        {
            (await connection.ReadResponseAsync()).Should().Be(Response.Ok([], ProtocolVersion.V1, (uint)i));
        }

        (await connection.ReadToEndAsync()).Should().BeEmpty();
        await stopping.WaitAsync(TimeSpan.FromSeconds(10));
        server.Server.Store.Count.Should().Be(count);
        server.Server.ConnectionCount.Should().Be(0);

        var refused = async () =>
        {
            using var late = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await late.ConnectAsync(server.EndPoint);
        };
        await refused.Should().ThrowAsync<SocketException>();
        await server.DisposeAsync();
    }

    [Test]
    public async Task A_client_that_never_reads_does_not_hold_shutdown_past_its_timeout()
    {
        var server = InProcessServer.Start(o => o with { ShutdownTimeout = TimeSpan.FromMilliseconds(500) });
        using var flooder = await server.ConnectAsync();
        await flooder.ExecuteAsync(Command.Set("big"u8.ToArray(), new byte[1024 * 1024]));
        await flooder.SendAsync(WireConnection.Encode(Enumerable.Range(0, 100).Select(_ => Command.Get("big"u8.ToArray()))));
        await Task.Delay(200);

        var stopping = server.Server.StopAsync();
        await stopping.WaitAsync(TimeSpan.FromSeconds(5));
        server.Server.ConnectionCount.Should().Be(0);
        await server.DisposeAsync();
    }
}
