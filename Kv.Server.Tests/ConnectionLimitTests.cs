using System.Net.Sockets;
using Kv.Protocol;

namespace Kv.Server.Tests;

public class ConnectionLimitTests
{
    [Test]
    public async Task An_idle_connection_is_closed_after_the_idle_timeout_and_a_busy_one_is_not()
    {
        await using var server = InProcessServer.Start(o => o with { IdleTimeout = TimeSpan.FromMilliseconds(400) });
        using var idle = await server.ConnectAsync();
        using var stalled = await server.ConnectAsync();
        using var busy = await server.ConnectAsync();
        await stalled.SendAsync(new byte[] { 0x00, 0x00 }); // the start of a frame, then nothing

        var started = DateTime.UtcNow;
        while (DateTime.UtcNow - started < TimeSpan.FromMilliseconds(1500))
        {
            (await busy.ExecuteAsync(Command.Ping("alive"))).PayloadText.Should().Be("alive");
            await Task.Delay(100);
        }

        (await idle.IsClosedByServerAsync(TimeSpan.FromSeconds(2))).Should().BeTrue();
        (await stalled.IsClosedByServerAsync(TimeSpan.FromSeconds(2))).Should().BeTrue();
        (await busy.ExecuteAsync(Command.Ping("still alive"))).PayloadText.Should().Be("still alive");
    }

    [Test]
    public async Task An_idle_timeout_of_zero_keeps_idle_connections_open()
    {
        // Zero turns the idle timeout off (--idle-timeout 0): a connection quiet for a while is still served.
        await using var server = InProcessServer.Start(o => o with { IdleTimeout = TimeSpan.Zero });
        using var quiet = await server.ConnectAsync();
        using var other = await server.ConnectAsync();
        (await quiet.ExecuteAsync(Command.Ping("first"))).PayloadText.Should().Be("first");
        for (var i = 0; i < 5; i++)
        {
            await Task.Delay(60);
            (await other.ExecuteAsync(Command.Ping("tick"))).PayloadText.Should().Be("tick");
        }

        (await quiet.ExecuteAsync(Command.Ping("still here"))).PayloadText.Should().Be("still here");
    }

    [Test]
    public async Task Connections_over_the_limit_are_refused_with_an_error_and_accepted_again_once_others_close()
    {
        await using var server = InProcessServer.Start(o => o with { MaxConnections = 3 });
        var open = new List<WireConnection>();
        for (var i = 0; i < 3; i++)
        {
            var connection = await server.ConnectAsync();
            (await connection.ExecuteAsync(Command.Ping())).PayloadText.Should().Be("PONG");
            open.Add(connection);
        }

        using (var refused = await server.ConnectAsync())
        {
            var response = await refused.ReadResponseAsync();
            response.Should().Be(Response.Error("too many connections"));
            (await refused.IsClosedByServerAsync(TimeSpan.FromSeconds(5))).Should().BeTrue();
        }

        server.Server.AcceptedConnectionCount.Should().Be(3, "a refused connection is not served");

        open[0].Dispose();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (server.Server.ConnectionCount >= 3 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        using (var accepted = await server.ConnectAsync())
        {
            (await accepted.ExecuteAsync(Command.Ping("welcome back"))).PayloadText.Should().Be("welcome back");
        }

        foreach (var connection in open.Skip(1))
        {
            (await connection.ExecuteAsync(Command.Ping("undisturbed"))).PayloadText.Should().Be("undisturbed");
            connection.Dispose();
        }
    }

    [Test]
    public async Task Clients_that_send_and_leave_before_being_accepted_are_still_served_and_counted()
    {
        // Some of these connections are still in the listen backlog when their client has already sent a SET and
        // closed: once the server has accepted every one and closed them all, every SET is in the store.
        const int Clients = 200;
        await using var server = InProcessServer.Start();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(async i =>
        {
            using var connection = await server.ConnectAsync();
            await connection.SendAsync(Command.Set($"left-{i}", $"v{i}"));
            connection.Socket.Shutdown(SocketShutdown.Send);
        }));

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (server.Server.AcceptedConnectionCount < Clients || server.Server.ConnectionCount > 0)
        {
            DateTime.UtcNow.Should().BeBefore(deadline, "every connection is accepted and then closed");
            await Task.Delay(5);
        }

        server.Server.AcceptedConnectionCount.Should().Be(Clients);
        using var checker = await server.ConnectAsync();
        await checker.SendAsync(WireConnection.Encode(Enumerable.Range(0, Clients).Select(i => Command.Get($"left-{i}"))));
        for (var i = 0; i < Clients; i++)
        {
            (await checker.ReadResponseAsync()).Should().Be(Response.Ok($"v{i}"), "the SET of client {0} was received whole", i);
        }
    }

    [Test]
    public async Task A_half_closed_client_gets_every_answer_then_the_server_closes()
    {
        await using var server = InProcessServer.Start();
        using var connection = await server.ConnectAsync();
        await connection.SendAsync(WireConnection.Encode(Enumerable.Range(0, 100).Select(i => Command.Ping($"p{i}"))));
        connection.Socket.Shutdown(SocketShutdown.Send);

        for (var i = 0; i < 100; i++)
        {
            (await connection.ReadResponseAsync()).PayloadText.Should().Be($"p{i}");
        }

        (await connection.ReadToEndAsync()).Should().BeEmpty();
    }

    [Test]
    public async Task A_client_that_writes_without_reading_is_held_back_and_others_are_unaffected()
    {
        await using var server = InProcessServer.Start();
        using var flooder = await server.ConnectAsync();
        using var other = await server.ConnectAsync();
        var big = new byte[1024 * 1024];
        await other.ExecuteAsync(Command.Set("big"u8.ToArray(), big));

        // 300 GETs of 1 MiB each: 300 MiB of responses the flooder does not read.
        const int gets = 300;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        await flooder.SendAsync(WireConnection.Encode(Enumerable.Range(0, gets).Select(_ => Command.Get("big"u8.ToArray()))));
        await Task.Delay(1000);

        // The server stopped producing once the socket was full: far less than 300 MiB was allocated meanwhile.
        (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore).Should().BeLessThan(64L * 1024 * 1024);
        var started = DateTime.UtcNow;
        (await other.ExecuteAsync(Command.Ping("unaffected"))).PayloadText.Should().Be("unaffected");
        (DateTime.UtcNow - started).Should().BeLessThan(TimeSpan.FromSeconds(1));

        for (var i = 0; i < gets; i++)
        {
            (await flooder.ReadResponseAsync()).Payload.Length.Should().Be(big.Length);
        }
    }
}
