using Kv.LoadTests.Infrastructure;
using System.Diagnostics;
using Kv.Protocol;

namespace Kv.LoadTests;

/// <summary>
/// Clients that write a large pipeline and never read: the server (a separate process, so that its own memory is what
/// is measured) stops reading such a connection once its responses back up, its resident memory stays bounded, and
/// other clients are served as usual. Two such clients at once: one pushes 400 MiB of SETs and GETs of 256 KiB values
/// (the request side), the other 20,000 small GETs of a 64 KiB value, all of which fit in the kernel's buffers,
/// asking for 1.2 GiB of responses (the response side).
/// </summary>
public class NonReadingClientTests
{
    private const int ValueBytes = 256 * 1024;
    private const int Pairs = 1600; // SET then GET of a 256 KiB value: 400 MiB of requests, 400 MiB of responses
    private const int SmallGets = 20_000;
    private const int SmallGetValueBytes = 64 * 1024;
    private const long AllowedGrowth = 64L * 1024 * 1024;
    private static readonly TimeSpan FloodFor = TimeSpan.FromSeconds(4);

    [Test]
    public async Task A_client_that_never_reads_keeps_server_memory_bounded_and_others_unaffected()
    {
        using var server = await ServerProcess.StartAsync();
        using var other = await WireConnection.ConnectAsync(server.EndPoint);
        var value = new byte[ValueBytes];
        Random.Shared.NextBytes(value);

        // Warm up: the same request kinds, read properly, so that the baseline includes the runtime's working set.
        using (var warm = await WireConnection.ConnectAsync(server.EndPoint))
        {
            for (var i = 0; i < 20; i++)
            {
                await warm.ExecuteAsync(Command.Set("flood".ToBytes(), value, ProtocolVersion.V1, 1));
                (await warm.ExecuteAsync(Command.Get("flood".ToBytes(), ProtocolVersion.V1, 2))).Payload.Should().Equal(value);
            }
        }

        await Task.Delay(300);
        var baseline = server.ResidentBytes();

        await other.ExecuteAsync(Command.Set("gets".ToBytes(), new byte[SmallGetValueBytes], ProtocolVersion.V1, 1));
        using var getter = await WireConnection.ConnectAsync(server.EndPoint);
        var gets = WireConnection.Encode(Enumerable.Range(0, SmallGets).Select(_ => Command.Get("gets".ToBytes())));
        using var flooder = await WireConnection.ConnectAsync(server.EndPoint);
        var pipeline = WireConnection.Encode(Enumerable.Range(0, Pairs).SelectMany(i => new[]
        {
            Command.Set("flood".ToBytes(), value, ProtocolVersion.V1, (uint)(2 * i)),
            Command.Get("flood".ToBytes(), ProtocolVersion.V1, (uint)((2 * i) + 1)),
        }));
        long written = 0;
        using var stopFlood = new CancellationTokenSource();
        var flood = Task.Run(async () =>
        {
            try
            {
                for (var offset = 0; offset < pipeline.Length; offset += 64 * 1024)
                {
                    await flooder.SendAsync(pipeline.AsMemory(offset, Math.Min(64 * 1024, pipeline.Length - offset)), stopFlood.Token);
                    Interlocked.Add(ref written, Math.Min(64 * 1024, pipeline.Length - offset));
                }
            }
            catch (OperationCanceledException)
            {
                // Blocked: the server stopped reading this connection. That is the point.
            }
        });

        await getter.SendAsync(gets).WaitAsync(TimeSpan.FromSeconds(10));

        // While the flooder pushes, another client goes on with verified round trips, and the server's RSS is sampled.
        var peak = baseline;
        var latencies = new List<TimeSpan>();
        var round = 0;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < FloodFor)
        {
            var key = $"other-{round++}".ToBytes();
            var started = Stopwatch.GetTimestamp();
            (await other.ExecuteAsync(Command.Set(key, key, ProtocolVersion.V1, 7))).Status.Should().Be(ResponseStatus.Ok);
            (await other.ExecuteAsync(Command.Get(key, ProtocolVersion.V1, 8))).Should().Be(Response.Ok(key, ProtocolVersion.V1, 8));
            latencies.Add(Stopwatch.GetElapsedTime(started));
            peak = Math.Max(peak, server.ResidentBytes());
            await Task.Delay(20);
        }

        var pushed = Interlocked.Read(ref written);
        var latency = new Latency(latencies);
        TestContext.Out.WriteLine($"RSS baseline {baseline >> 20} MiB, peak {peak >> 20} MiB; the flooder wrote {pushed >> 20} MiB of its " +
            $"{pipeline.Length >> 20} MiB pipeline ({(long)Pairs * ValueBytes >> 20} MiB of responses asked for); the getter wrote all " +
            $"{gets.Length >> 10} KiB of its {SmallGets} GETs ({(long)SmallGets * SmallGetValueBytes >> 20} MiB of responses asked for); the other client: {latency}");

        pushed.Should().BeLessThan(pipeline.Length, "the server stops reading a client that does not read its responses");
        (peak - baseline).Should().BeLessThan(AllowedGrowth, "the server holds at most the send buffer limit plus a frame for that client");
        latency.P50.Should().BeLessThan(5, "the other client is served as usual");
        latency.Max.Should().BeLessThan(1000, "no round trip of the other client waits on the flooders");

        await stopFlood.CancelAsync();
        flooder.Reset();
        getter.Reset();
        await flood;
        (await other.ExecuteAsync(Command.Ping("still served"))).PayloadText.Should().Be("still served");
    }
}

internal static class TextExtensions
{
    public static byte[] ToBytes(this string text) => System.Text.Encoding.UTF8.GetBytes(text);
}
