using CsCheck;
using Kv.Protocol;

namespace Kv.Server.Tests.Model;

/// <summary>
/// Model-based tests against a real server over loopback TCP: random sequences of SET, GET, CLEAR and PING in both
/// protocol versions, cut into random chunks on the wire and spread over several connections, every response checked
/// against <see cref="StoreModel"/>. On a failure CsCheck shrinks to the smallest failing sequence and prints it with
/// the seed that replays it.
/// </summary>
[NonParallelizable]
public class ModelTests
{
    private InProcessServer _server = null!;

    [OneTimeSetUp]
    public void Start() => _server = InProcessServer.Start();

    [OneTimeTearDown]
    public async Task StopAsync() => await _server.DisposeAsync();

    /// <summary>
    /// One shared keyspace, several connections: runs of consecutive requests go to one connection as a pipelined
    /// stream cut into chunks; the next run may go to another connection. Keys collide across connections, and the
    /// order of every request is known, so one model predicts every answer.
    /// </summary>
    [Test]
    public async Task Pipelined_chunked_requests_over_several_connections_match_the_model()
    {
        var steps = Gen.Select(Generators.Operation(Generators.Keys), Gen.Int[0, 3]).Array[1, 40];
        var gen = Gen.Select(steps, Generators.ChunkSizes);
        await gen.SampleAsync(async (steps, chunks) =>
        {
            await ResetAsync(Generators.Keys);
            var connections = new WireConnection[4];
            try
            {
                var model = new StoreModel();
                uint requestId = 0;
                var start = 0;
                while (start < steps.Length)
                {
                    var connectionIndex = steps[start].Item2;
                    var end = start;
                    while (end < steps.Length && steps[end].Item2 == connectionIndex)
                    {
                        end++;
                    }

                    var connection = connections[connectionIndex] ??= await _server.ConnectAsync();
                    var commands = steps[start..end].Select(s => s.Item1.ToCommand(++requestId)).ToList();
                    await SendChunkedAsync(connection, WireConnection.Encode(commands), chunks);
                    foreach (var command in commands)
                    {
                        var expected = model.Apply(command);
                        (await connection.ReadResponseAsync()).Should().Be(expected, "the answer to {0} on connection {1}", command, connectionIndex);
                    }

                    start = end;
                }
            }
            finally
            {
                foreach (var connection in connections)
                {
                    connection?.Dispose();
                }
            }
        }, iter: 150, threads: 1, print: t => Print(t.Item1, t.Item2));
    }

    /// <summary>
    /// Several connections at once, each with its own key prefix, each pipelining its whole sequence in chunks while
    /// the others do the same: every connection's answers match its own model.
    /// </summary>
    [Test]
    public async Task Concurrent_connections_with_their_own_keys_each_match_their_model()
    {
        var session = Gen.Select(Generators.Operation(Generators.Keys).Array[1, 30], Generators.ChunkSizes);
        await session.Array[2, 6].SampleAsync(async sessions =>
        {
            var prefixed = sessions.Select((s, i) => (Ops: s.Item1.Select(o => o with { Key = [(byte)(0xc0 + i), .. o.Key] }).ToArray(), Chunks: s.Item2)).ToArray();
            await ResetAsync(prefixed.SelectMany(s => s.Ops.Select(o => o.Key)).Distinct(ByteArrayComparer.Instance).ToArray());
            await Task.WhenAll(prefixed.Select(async s =>
            {
                using var connection = await _server.ConnectAsync();
                var model = new StoreModel();
                var commands = s.Ops.Select((o, i) => o.ToCommand((uint)i)).ToList();
                await SendChunkedAsync(connection, WireConnection.Encode(commands), s.Chunks);
                foreach (var command in commands)
                {
                    (await connection.ReadResponseAsync()).Should().Be(model.Apply(command), "the answer to {0}", command);
                }
            }));
        }, iter: 40, threads: 1, print: sessions => string.Join(" || ", sessions.Select(s => PrintSteps(s.Item1.Select(o => (o, 0)).ToArray()) + $" cut {string.Join(",", s.Item2)}")));
    }

    private static async Task SendChunkedAsync(WireConnection connection, byte[] bytes, int[] chunks)
    {
        foreach (var chunk in Generators.Cut(bytes, chunks))
        {
            await connection.Socket.SendAsync(chunk, System.Net.Sockets.SocketFlags.None);
        }
    }

    // Each sample starts from a known store: every key it may touch is cleared first.
    private async Task ResetAsync(IEnumerable<byte[]> keys)
    {
        using var connection = await _server.ConnectAsync();
        foreach (var key in keys)
        {
            (await connection.ExecuteAsync(Command.Clear(key, ProtocolVersion.V1, 1))).Status.Should().NotBe(ResponseStatus.Error);
        }
    }

    private static string Print((Operation Op, int Connection)[] steps, int[] chunks) => $"{PrintSteps(steps)} cut {string.Join(",", chunks)}";

    private static string PrintSteps((Operation Op, int Connection)[] steps) => string.Join("; ", steps.Select(s => $"c{s.Connection}:{s.Op}"));

    private sealed class ByteArrayComparer : IEqualityComparer<byte[]>
    {
        public static readonly ByteArrayComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => obj.Length == 0 ? 0 : obj[0] * 31 + obj.Length;
    }
}
