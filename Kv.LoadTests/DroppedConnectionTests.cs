using System.Net.Sockets;
using System.Text;
using Kv.Protocol;

namespace Kv.LoadTests;

/// <summary>
/// Connections dropped mid-frame and mid-response, at random points, in a loop. Each round pipelines random SETs and
/// GETs over a few shared keys (some values large enough to span many receives and sends), sends only a random prefix
/// of the bytes, reads a random number of responses (and perhaps part of the next one), then drops the connection
/// with a FIN or a reset. After the server has closed it, the store is read back: it must equal the state after some
/// prefix of the round's frames that includes every acknowledged one and no frame that was cut short. So the store
/// keeps exactly the writes that were acknowledged, perhaps some whole ones that were not, and never a torn one; and
/// the server keeps serving throughout.
/// </summary>
public class DroppedConnectionTests
{
    private const int Rounds = 500;
    private static readonly byte[][] Keys = Enumerable.Range(0, 8).Select(i => Encoding.UTF8.GetBytes($"drop-key-{i}")).ToArray();

    [Test]
    public async Task Dropping_connections_at_random_points_keeps_exactly_the_acknowledged_writes()
    {
        var seed = Environment.GetEnvironmentVariable("KV_DROP_SEED") is { } s ? int.Parse(s) : Random.Shared.Next();
        TestContext.Out.WriteLine($"seed {seed} (KV_DROP_SEED={seed} replays it)");
        var random = new Random(seed);
        await using var server = InProcessServer.Start();
        using var checker = await server.ConnectAsync();
        var known = new Dictionary<string, byte[]?>(); // what the store holds, as last read back (null: no such key)
        foreach (var key in Keys)
        {
            known[Hex(key)] = null;
        }

        int midFrame = 0, midResponse = 0, resets = 0;
        long acknowledgedSets = 0, unacknowledgedApplied = 0;
        for (var round = 0; round < Rounds; round++)
        {
            var frames = MakeFrames(random, round);
            var bytes = frames.SelectMany(f => f.Bytes).ToArray();
            var cut = random.Next(4) == 0 ? bytes.Length : random.Next(bytes.Length + 1);
            var whole = 0; // frames sent whole
            for (var sent = 0; whole < frames.Count && sent + frames[whole].Bytes.Length <= cut; whole++)
            {
                sent += frames[whole].Bytes.Length;
            }

            midFrame += cut < bytes.Length && whole < frames.Count ? 1 : 0;
            var toRead = random.Next(whole + 1);
            var state = new Dictionary<string, byte[]?>(known);
            using (var connection = await server.ConnectAsync())
            {
                // Sent while the responses are read: a pipeline of large GETs would otherwise fill both directions.
                var send = SendQuietlyAsync(connection, bytes.AsMemory(0, cut));
                for (var i = 0; i < toRead; i++)
                {
                    var frame = frames[i];
                    var expected = frame.Apply(state);
                    (await connection.ReadResponseAsync()).Should().Be(expected, "round {0}: the answer to frame {1} ({2}), seed {3}", round, i, frame, seed);
                    acknowledgedSets += frame.Command.Kind == CommandKind.Set ? 1 : 0;
                }

                if (toRead < whole && random.Next(2) == 0)
                {
                    // Part of the next response (unless some is in already), then the drop: mid-response.
                    if (connection.Unparsed == 0)
                    {
                        await connection.ReceiveSomeAsync(1 + random.Next(64), WireConnection.DefaultTimeout);
                    }

                    midResponse++;
                }

                if (random.Next(2) == 0)
                {
                    connection.Reset();
                    resets++;
                }
                else
                {
                    connection.Dispose();
                }

                await send;
            }

            // Once the server has finished with the connection, the store must be the state after frames [0, q) for
            // one q from the acknowledged count to the whole count: acknowledged writes kept, torn frames never applied.
            // Accepted too, not only closed: a connection dropped before the server accepted it is still to be served.
            await server.WaitForConnectionCountAsync(1, accepted: 1 + round + 1, TimeSpan.FromSeconds(10));
            var observed = await ReadStoreAsync(checker);
            var matched = -1;
            var candidate = new Dictionary<string, byte[]?>(known);
            for (var q = 0; q <= whole; q++)
            {
                if (q > 0)
                {
                    frames[q - 1].Apply(candidate);
                }

                if (q >= toRead && SameState(candidate, observed))
                {
                    matched = q;
                    break;
                }
            }

            matched.Should().BeGreaterThanOrEqualTo(0,
                "round {0} (seed {1}): the store {2} is not the state after any prefix of the {3} whole frames that includes the {4} acknowledged ones; frames: {5}",
                round, seed, Describe(observed), whole, toRead, string.Join("; ", frames.Take(whole + 1)));
            unacknowledgedApplied += frames.Skip(toRead).Take(matched - toRead).Count(f => f.Command.Kind == CommandKind.Set);
            known = observed;
            (await checker.ExecuteAsync(Command.Ping($"round {round}"))).PayloadText.Should().Be($"round {round}", "the server keeps serving");
        }

        TestContext.Out.WriteLine($"{Rounds} rounds: {midFrame} cut mid-frame, {midResponse} dropped mid-response, {resets} reset, " +
            $"{acknowledgedSets} acknowledged SETs kept, {unacknowledgedApplied} unacknowledged whole SETs applied");
        server.Errors.Should().BeEmpty();
    }

    // The send may still be blocked when the connection is dropped: then it fails, and fewer bytes went out, which
    // the check allows for (the store may then hold a shorter prefix, never less than what was acknowledged).
    private static async Task SendQuietlyAsync(WireConnection connection, ReadOnlyMemory<byte> bytes)
    {
        try
        {
            await connection.SendAsync(bytes);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    private static List<Frame> MakeFrames(Random random, int round)
    {
        var count = 1 + random.Next(12);
        var frames = new List<Frame>(count);
        for (var i = 0; i < count; i++)
        {
            var version = random.Next(2) == 0 ? ProtocolVersion.V0 : ProtocolVersion.V1;
            var id = version == ProtocolVersion.V1 ? (uint)i : 0;
            var key = Keys[random.Next(Keys.Length)];
            Command command;
            if (random.Next(10) < 7)
            {
                // Mostly small values; now and then one of up to 300 KiB, larger than every buffer on the way.
                var size = random.Next(8) == 0 ? random.Next(300 * 1024) : random.Next(64);
                var value = new byte[size + 16];
                random.NextBytes(value);
                Encoding.ASCII.GetBytes($"r{round:D4}f{i:D2}/").CopyTo(value, 0);
                command = Command.Set(key, value, version, id);
            }
            else
            {
                command = Command.Get(key, version, id);
            }

            frames.Add(new Frame(command, WireConnection.Encode([command])));
        }

        return frames;
    }

    private static async Task<Dictionary<string, byte[]?>> ReadStoreAsync(WireConnection checker)
    {
        await checker.SendAsync(WireConnection.Encode(Keys.Select((k, i) => Command.Get(k, ProtocolVersion.V1, (uint)i))));
        var state = new Dictionary<string, byte[]?>();
        foreach (var key in Keys)
        {
            var response = await checker.ReadResponseAsync();
            response.Status.Should().NotBe(ResponseStatus.Error);
            state[Hex(key)] = response.Status == ResponseStatus.Ok ? response.Payload : null;
        }

        return state;
    }

    private static bool SameState(Dictionary<string, byte[]?> a, Dictionary<string, byte[]?> b) =>
        a.Count == b.Count && a.All(e => b.TryGetValue(e.Key, out var v) && (e.Value is null ? v is null : v is not null && e.Value.AsSpan().SequenceEqual(v)));

    private static string Describe(Dictionary<string, byte[]?> state) =>
        string.Join(", ", state.Select(e => $"{Encoding.UTF8.GetString(Convert.FromHexString(e.Key))}={(e.Value is null ? "none" : Encoding.ASCII.GetString(e.Value, 0, Math.Min(10, e.Value.Length)))}"));

    private static string Hex(byte[] key) => Convert.ToHexString(key);

    private sealed record Frame(Command Command, byte[] Bytes)
    {
        /// <summary>Applies the frame to a model of the store and returns the response it must get.</summary>
        public Response Apply(Dictionary<string, byte[]?> state)
        {
            var v1 = Command.Version == ProtocolVersion.V1;
            var key = Hex(Command.Key);
            if (Command.Kind == CommandKind.Set)
            {
                state[key] = Command.Value;
                return v1 ? Response.Ok([], ProtocolVersion.V1, Command.RequestId) : Response.Ok(Command.Key);
            }

            return state[key] is { } value ? Response.Ok(value, Command.Version, Command.RequestId)
                : v1 ? Response.NotFound(Command.RequestId) : Response.Error("Key not found");
        }

        public override string ToString() => Command.Kind == CommandKind.Set
            ? $"SET {Command.KeyText}={Encoding.ASCII.GetString(Command.Value, 0, 10)}..({Command.Value.Length})"
            : $"GET {Command.KeyText}";
    }
}
