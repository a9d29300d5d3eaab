using System.Net.Sockets;
using Kv.Protocol;

namespace Kv.LoadTests;

/// <summary>
/// Above <c>--max-connections</c> (the real kv-server process, started with the option): every extra connection is
/// answered with a version-0 ERROR <c>too many connections</c> and then a clean close (end of stream, not a reset);
/// those already connected are undisturbed; and once some close, new connections are accepted again, up to the limit.
/// </summary>
public class MaxConnectionsTests
{
    private const int Limit = 50;
    private const int Extra = 20;

    [Test]
    public async Task Connections_above_the_limit_are_refused_cleanly_and_accepted_again_once_others_close()
    {
        using var server = await ServerProcess.StartAsync("--max-connections", Limit.ToString());
        var open = new List<WireConnection>();
        try
        {
            for (var i = 0; i < Limit; i++)
            {
                var connection = await WireConnection.ConnectAsync(server.EndPoint);
                (await connection.ExecuteAsync(Command.Ping($"c{i}"))).Should().Be(Response.Ok($"c{i}"));
                open.Add(connection);
            }

            var refused = await Task.WhenAll(Enumerable.Range(0, Extra).Select(_ => ConnectAndReadRefusalAsync(server)));
            refused.Should().AllSatisfy(r => r.Should().Be("refused cleanly"));

            foreach (var (connection, i) in open.Select((c, i) => (c, i)))
            {
                (await connection.ExecuteAsync(Command.Ping($"still c{i}"))).Should().Be(Response.Ok($"still c{i}"));
            }

            // Close ten; ten new connections are then accepted (each retried until the server has noticed a close).
            const int closed = 10;
            open.Take(closed).ToList().ForEach(c => c.Dispose());
            open.RemoveRange(0, closed);
            for (var i = 0; i < closed; i++)
            {
                open.Add(await ConnectWhenAcceptedAsync(server, TimeSpan.FromSeconds(10)));
            }

            // At the limit again: the next one is refused.
            (await ConnectAndReadRefusalAsync(server)).Should().Be("refused cleanly");
            foreach (var connection in open)
            {
                (await connection.ExecuteAsync(Command.Set("k", "v", ProtocolVersion.V1, 3))).Should().Be(Response.Ok([], ProtocolVersion.V1, 3));
            }
        }
        finally
        {
            open.ForEach(c => c.Dispose());
        }
    }

    private static async Task<string> ConnectAndReadRefusalAsync(ServerProcess server)
    {
        using var connection = await WireConnection.ConnectAsync(server.EndPoint);
        var response = await connection.ReadResponseAsync();
        if (!response.Equals(Response.Error("too many connections")))
        {
            return $"answered {response} '{response.PayloadText}'";
        }

        // Clean: an end of stream, not a reset, and nothing after the error.
        try
        {
            var more = await connection.ReceiveSomeAsync(1024, TimeSpan.FromSeconds(5));
            return more == 0 && connection.Unparsed == 0 ? "refused cleanly" : $"{connection.Unparsed} bytes after the error";
        }
        catch (SocketException e)
        {
            return $"closed with {e.SocketErrorCode}";
        }
    }

    private static async Task<WireConnection> ConnectWhenAcceptedAsync(ServerProcess server, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var connection = await WireConnection.ConnectAsync(server.EndPoint);
            var response = await connection.ExecuteAsync(Command.Ping("welcome back"));
            if (response.Equals(Response.Ok("welcome back")))
            {
                return connection;
            }

            connection.Dispose();
            response.Should().Be(Response.Error("too many connections"));
            DateTime.UtcNow.Should().BeBefore(deadline, "a connection is accepted again once others have closed");
            await Task.Delay(20);
        }
    }
}
