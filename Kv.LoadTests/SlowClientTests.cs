using Kv.LoadTests.Infrastructure;
using System.Diagnostics;
using Kv.Protocol;

namespace Kv.LoadTests;

/// <summary>
/// Slow clients (slowloris): 500 connections that each send one byte of a frame and stall must not delay a
/// well-behaved client by more than a few milliseconds, and are closed at the idle timeout. The good client's latency
/// is the best 99th percentile of three runs of 1,000 sequential GETs, without and then with the stallers.
/// </summary>
public class SlowClientTests
{
    private const int Stallers = 500;
    private const int Requests = 1000;
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(3);

    /// <summary>How much later the well-behaved client's 99th percentile may be with the stallers than without: a few milliseconds.</summary>
    private const double AllowedP99IncreaseMs = 5;

    [Test]
    public async Task Five_hundred_stalled_clients_do_not_delay_a_good_one_and_are_closed_at_the_idle_timeout()
    {
        OpenFiles.Require((2 * Stallers) + 200);
        await using var server = InProcessServer.Start(o => o with { IdleTimeout = IdleTimeout });
        using var good = await server.ConnectAsync();
        await good.ExecuteAsync(Command.Set("good", "value"));
        await MeasureAsync(good, 500); // warm-up: JIT, tiering
        var baseline = await BestOfAsync(good);

        var stallers = new List<WireConnection>(Stallers);
        try
        {
            for (var batch = 0; batch < Stallers; batch += 100)
            {
                stallers.AddRange(await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => server.ConnectAsync())));
            }

            // A connect completes in the kernel's backlog; wait until the server has accepted every one.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (server.Server.ConnectionCount < Stallers + 1)
            {
                DateTime.UtcNow.Should().BeBefore(deadline, "the server accepts every staller");
                await Task.Delay(5);
            }

            var stalledAt = Stopwatch.StartNew();
            await Task.WhenAll(stallers.Select((s, i) => s.SendAsync(new byte[] { (byte)(i % 2) }))); // one byte of a v0 or v1 frame
            var loaded = await BestOfAsync(good);
            var measuredWithin = stalledAt.Elapsed;
            TestContext.Out.WriteLine($"baseline: {baseline}; with {Stallers} stalled clients: {loaded} (measured {measuredWithin.TotalMilliseconds:F0} ms after they stalled)");
            measuredWithin.Should().BeLessThan(IdleTimeout, "the stallers must still be connected while the good client is measured");
            server.Server.ConnectionCount.Should().Be(Stallers + 1, "every staller was still connected during the measurement");
            loaded.P99.Should().BeLessThan(baseline.P99 + AllowedP99IncreaseMs, "500 stalled clients must not delay a good one by more than a few milliseconds");

            // The good client stays active meanwhile (one PING every 200 ms), so the timeout never applies to it.
            using var stopKeepAlive = new CancellationTokenSource();
            var keepAlive = KeepAliveAsync(good, stopKeepAlive.Token);

            // Closed at the idle timeout: not before it, and soon after (the sweep runs every quarter of the timeout).
            var early = IdleTimeout * 0.8 - stalledAt.Elapsed;
            if (early > TimeSpan.Zero)
            {
                await Task.Delay(early);
                stallers.Count(s => s.PeerHasClosed()).Should().Be(0, "no staller is closed before the idle timeout");
            }

            var closed = await Task.WhenAll(stallers.Select(s => s.IsClosedByServerAsync(IdleTimeout * 2)));
            var closedAfter = stalledAt.Elapsed;
            TestContext.Out.WriteLine($"all {Stallers} stalled clients closed {closedAfter.TotalMilliseconds:F0} ms after they stalled (idle timeout {IdleTimeout.TotalMilliseconds} ms)");
            closed.Should().AllSatisfy(c => c.Should().BeTrue());
            closedAfter.Should().BeLessThan(IdleTimeout + TimeSpan.FromSeconds(1.5));
            await server.WaitForConnectionCountAsync(1, TimeSpan.FromSeconds(5));
            await stopKeepAlive.CancelAsync();
            await keepAlive;

            // The good client kept working throughout, and was not closed: it was never idle for that long.
            (await good.ExecuteAsync(Command.Get("good"))).Should().Be(Response.Ok("value"));
            server.Errors.Should().BeEmpty();
        }
        finally
        {
            stallers.ForEach(s => s.Dispose());
        }
    }

    private static async Task KeepAliveAsync(WireConnection client, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            (await client.ExecuteAsync(Command.Ping("alive"))).PayloadText.Should().Be("alive");
            try
            {
                await Task.Delay(200, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    // The machine is shared (and other test assemblies may run beside this one): of three measurements, the one with
    // the lowest 99th percentile stands for each side, so that a passing hiccup elsewhere does not decide the result.
    private static async Task<Latency> BestOfAsync(WireConnection client)
    {
        var best = await MeasureAsync(client, Requests);
        for (var i = 0; i < 2; i++)
        {
            var next = await MeasureAsync(client, Requests);
            best = next.P99 < best.P99 ? next : best;
        }

        return best;
    }

    private static async Task<Latency> MeasureAsync(WireConnection client, int requests)
    {
        var samples = new TimeSpan[requests];
        var get = WireConnection.Encode([Command.Get("good")]);
        for (var i = 0; i < requests; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await client.SendAsync(get);
            var response = await client.ReadResponseAsync();
            samples[i] = Stopwatch.GetElapsedTime(started);
            response.PayloadText.Should().Be("value");
        }

        return new Latency(samples);
    }
}
