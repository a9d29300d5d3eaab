using System.Diagnostics;
using System.Net;
using System.Text;
using Kv.Protocol;

namespace Kv.Server.Tests.Persistence;

/// <summary>
/// A real server process, written to by several connections, killed with SIGKILL at random moments (compaction
/// included: the thresholds are tiny), restarted on the same directory, and checked key by key against what it
/// acknowledged. 20 kills in all.
/// </summary>
public class CrashTests
{
    private const int Writers = 6;
    private const int KeysPerWriter = 30;
    private static readonly TimeSpan EverySecondBound = TimeSpan.FromSeconds(1.5);

    private string _directory = null!;

    [SetUp]
    public void SetUp() => _directory = LogFiles.NewDirectory();

    [TearDown]
    public void TearDown()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
        {
            // Kept for a post-mortem: the log that could not be recovered is the evidence.
            TestContext.Out.WriteLine($"Data directory kept: {_directory}");
            return;
        }

        LogFiles.DeleteDirectory(_directory);
    }

    [Test]
    public Task Under_always_every_acknowledged_write_survives_SIGKILL_with_its_last_acknowledged_value() =>
        KillAndRecoverAsync("always", kills: 12, seed: 1);

    [Test]
    public Task Under_everysec_SIGKILL_loses_at_most_the_writes_of_the_last_second() =>
        KillAndRecoverAsync("everysec", kills: 8, seed: 2);

    private async Task KillAndRecoverAsync(string policy, int kills, int seed)
    {
        var random = new Random(seed);
        var keys = new KeyHistory[Writers * KeysPerWriter];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = new KeyHistory($"w{i / KeysPerWriter}-k{i % KeysPerWriter}");
        }

        long acknowledgedWrites = 0;
        int compactions = 0, killedMidCompaction = 0, tornTails = 0;
        for (var round = 0; round <= kills; round++)
        {
            using var server = await ServerProcess.StartAsync(
                "--port", "0", "--data-dir", _directory, "--fsync", policy, "--log-level", "Information",
                "--compaction-min-bytes", "65536", "--compaction-ratio", "2");
            (await server.WaitForErrorAsync("Replayed", TimeSpan.FromSeconds(10))).Should().BeTrue($"the server logs its replay: {server.Errors}");
            killedMidCompaction += server.Errors.Contains("left by a compaction", StringComparison.Ordinal) ? 1 : 0;
            tornTails += server.Errors.Contains("torn record", StringComparison.Ordinal) ? 1 : 0;

            // What the restarted server holds must be a state each key could be in (see KeyHistory.Check).
            await VerifyAsync(server.EndPoint, keys, policy, round);
            if (round == kills)
            {
                break;
            }

            using var stop = new CancellationTokenSource();
            var writers = Enumerable.Range(0, Writers)
                .Select(w => WriteUntilKilledAsync(server.EndPoint, keys.AsMemory(w * KeysPerWriter, KeysPerWriter), seed * 1000 + round * 10 + w, stop.Token))
                .ToArray();
            await Task.Delay(random.Next(150, 600));
            var killedAt = Stopwatch.GetTimestamp();
            await server.KillAsync();
            await stop.CancelAsync();
            acknowledgedWrites += (await Task.WhenAll(writers)).Sum();
            compactions += CountOf(server.Errors, "Compaction done");
            foreach (var key in keys)
            {
                key.Killed(killedAt);
            }
        }

        TestContext.Out.WriteLine(
            $"{kills} kills, {acknowledgedWrites} acknowledged writes, {compactions} compactions, {killedMidCompaction} kill(s) during a compaction, {tornTails} torn tail(s) truncated");
        acknowledgedWrites.Should().BeGreaterThan(kills * 50, "the writers got through a fair number of writes between kills");
        compactions.Should().BePositive("the tiny thresholds make compactions run between and during kills");
    }

    private static int CountOf(string text, string value)
    {
        var count = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    // One connection, its own keys, one request in flight: SET (mostly) or CLEAR, until the connection dies.
    private static async Task<long> WriteUntilKilledAsync(IPEndPoint endPoint, Memory<KeyHistory> keys, int seed, CancellationToken stop)
    {
        var random = new Random(seed);
        long acknowledged = 0;
        try
        {
            using var connection = await WireConnection.ConnectAsync(endPoint);
            while (!stop.IsCancellationRequested)
            {
                var key = keys.Span[random.Next(keys.Length)];
                var value = random.Next(5) == 0 ? null : $"{seed}:{key.Sent + 1}:{new string('v', random.Next(0, 300))}";
                key.Send(value);
                var command = value is null
                    ? Command.Clear(key.Name, ProtocolVersion.V1)
                    : Command.Set(Encoding.UTF8.GetBytes(key.Name), Encoding.UTF8.GetBytes(value), ProtocolVersion.V1);
                var response = await connection.ExecuteAsync(command);
                response.Status.Should().BeOneOf(ResponseStatus.Ok, ResponseStatus.NotFound);
                key.Acknowledge(Stopwatch.GetTimestamp());
                acknowledged++;
            }
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or EndOfStreamException or OperationCanceledException)
        {
            // Killed: the request in flight, if any, is neither acknowledged nor lost for sure.
        }

        return acknowledged;
    }

    private static async Task VerifyAsync(IPEndPoint endPoint, KeyHistory[] keys, string policy, int round)
    {
        using var connection = await WireConnection.ConnectAsync(endPoint);
        await connection.SendAsync(WireConnection.Encode(keys.Select(k => Command.Get(k.Name, ProtocolVersion.V1))));
        foreach (var key in keys)
        {
            var response = await connection.ReadResponseAsync();
            var value = response.Status == ResponseStatus.NotFound ? null : response.PayloadText;
            key.Check(value, policy == "always" ? TimeSpan.Zero : EverySecondBound, $"round {round}, key {key.Name}");
        }
    }

    /// <summary>
    /// The states one key went through since the last restart: index 0 is what that restart recovered, index i the
    /// state after the i-th write sent. Values carry a sequence number, so each SET's state is unique.
    /// </summary>
    private sealed class KeyHistory(string name)
    {
        private readonly List<string?> _states = [null];
        private readonly List<long> _acknowledgedAt = [0];

        public string Name { get; } = name;

        /// <summary>Writes sent since the last restart.</summary>
        public int Sent => _states.Count - 1;

        private int Acknowledged { get; set; }

        private long KilledAt { get; set; }

        public void Send(string? value)
        {
            _states.Add(value);
            _acknowledgedAt.Add(long.MaxValue);
        }

        public void Acknowledge(long timestamp)
        {
            Acknowledged = Sent;
            _acknowledgedAt[Sent] = timestamp;
        }

        public void Killed(long timestamp) => KilledAt = timestamp;

        /// <summary>
        /// The recovered value must be the state after a write from the last one acknowledged at least
        /// <paramref name="bound"/> before the kill (all of them under always) up to the last one sent; then it is
        /// the new starting state.
        /// </summary>
        public void Check(string? recovered, TimeSpan bound, string because)
        {
            var lowest = Acknowledged;
            if (bound > TimeSpan.Zero)
            {
                var limit = KilledAt - (long)(bound.TotalSeconds * Stopwatch.Frequency);
                while (lowest > 0 && _acknowledgedAt[lowest] > limit)
                {
                    lowest--;
                }
            }

            var allowed = _states.Skip(lowest).ToList();
            allowed.Should().Contain(recovered, because);
            _states.Clear();
            _states.Add(recovered);
            _acknowledgedAt.Clear();
            _acknowledgedAt.Add(0);
            Acknowledged = 0;
        }
    }
}
