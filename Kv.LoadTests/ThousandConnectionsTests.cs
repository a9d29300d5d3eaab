using Kv.LoadTests.Infrastructure;
using System.Text;
using Kv.Protocol;

namespace Kv.LoadTests;

/// <summary>1,000 connections open at once, each doing verified SET/GET pairs on its own keys.</summary>
public class ThousandConnectionsTests
{
    private const int Connections = 1000;
    private const int PairsPerConnection = 20;

    [Test]
    public async Task A_thousand_concurrent_connections_each_read_back_exactly_what_they_wrote()
    {
        // Each connection is two descriptors in this process (client and server side), plus the runtime's own.
        OpenFiles.Require((2 * Connections) + 200);
        await using var server = InProcessServer.Start();

        // Connect in batches (the listen backlog is 511), and keep every connection open.
        var sockets = new List<WireConnection>(Connections);
        try
        {
            for (var batch = 0; batch < Connections; batch += 100)
            {
                sockets.AddRange(await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => server.ConnectAsync())));
            }

            await WaitUntilAsync(() => server.Server.ConnectionCount == Connections, TimeSpan.FromSeconds(20));

            // All at once: every connection alternates versions and writes values unique to it and to the round.
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var failures = await Task.WhenAll(sockets.Select((socket, c) => RunPairsAsync(socket, c)));
            TestContext.Out.WriteLine($"{Connections} connections open at once, {2 * PairsPerConnection} verified requests each: " +
                $"{2L * Connections * PairsPerConnection} requests in {watch.ElapsedMilliseconds} ms");
            failures.Where(f => f is not null).Should().BeEmpty();
            server.Server.ConnectionCount.Should().Be(Connections, "no connection was dropped");
            server.Server.Store.Count.Should().Be((long)Connections * PairsPerConnection);
            server.Errors.Should().BeEmpty();
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
    }

    private static async Task<string?> RunPairsAsync(WireConnection socket, int connection)
    {
        try
        {
            var version = connection % 2 == 0 ? ProtocolVersion.V0 : ProtocolVersion.V1;
            for (var i = 0; i < PairsPerConnection; i++)
            {
                var key = Encoding.UTF8.GetBytes($"conn-{connection}/key-{i}");
                var value = Encoding.UTF8.GetBytes($"value of {connection}/{i}: {new string((char)('a' + (i % 26)), i * 7)}");
                uint id = 0, nextId = 0;
                if (version == ProtocolVersion.V1)
                {
                    id = (uint)(i * 2);
                    nextId = id + 1;
                }

                var set = await socket.ExecuteAsync(Command.Set(key, value, version, id));
                var expectedSet = version == ProtocolVersion.V1 ? Response.Ok([], version, id) : Response.Ok(key);
                if (!set.Equals(expectedSet))
                {
                    return $"connection {connection}: SET {i} answered {set}";
                }

                var get = await socket.ExecuteAsync(Command.Get(key, version, nextId));
                if (!get.Equals(Response.Ok(value, version, nextId)))
                {
                    return $"connection {connection}: GET {i} answered {get} ({get.PayloadText})";
                }
            }

            return null;
        }
        catch (Exception e)
        {
            return $"connection {connection}: {e.GetType().Name}: {e.Message}";
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            DateTime.UtcNow.Should().BeBefore(deadline, "the condition should hold within {0}", timeout);
            await Task.Delay(10);
        }
    }
}
