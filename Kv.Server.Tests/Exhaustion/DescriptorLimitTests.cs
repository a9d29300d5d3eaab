using System.Net.Sockets;
using Kv.Protocol;

namespace Kv.Server.Tests.Exhaustion;

/// <summary>
/// The real binary under a file descriptor limit (prlimit) and a flood of connections: it never runs out of descriptors
/// (connections beyond what fits are refused with the clear ERROR, and refusals waiting to be read are bounded), never
/// aborts or exits, keeps serving the connections it has, and logs the condition once per interval.
/// </summary>
[NonParallelizable]
[Platform(Include = "Linux")]
public class DescriptorLimitTests
{
    private string _directory = null!;

    [SetUp]
    public void SetUp() => _directory = LogFiles.NewDirectory();

    [TearDown]
    public void TearDown() => LogFiles.DeleteDirectory(_directory);

    [Test]
    [CancelAfter(120_000)]
    public async Task Max_connections_beyond_the_descriptor_limit_is_lowered_to_fit_and_a_flood_is_refused_cleanly()
    {
        using var server = await ServerProcess.StartWithDescriptorLimitAsync(400,
            "--port", "0", "--max-connections", "1000", "--data-dir", _directory, "--compaction-min-bytes", "4096");
        (await server.WaitForErrorAsync("--max-connections lowered from 1000 to ", TimeSpan.FromSeconds(10))).Should().BeTrue(server.Errors);

        // What fits: the limit less what the process has open at start (the runtime's hundred or so) and a margin.
        var fitting = int.Parse(System.Text.RegularExpressions.Regex.Match(server.Errors, "lowered from 1000 to ([0-9]+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        fitting.Should().BeInRange(100, 400 - 96);

        using var writer = await WireConnection.ConnectAsync(server.EndPoint);
        var outcome = await FloodAsync(server, 600, writer);

        outcome.Served.Should().Be(fitting - 1, "the writer is one of those that fit; every other connection is refused");
        server.Process.HasExited.Should().BeFalse(server.Errors);
        server.Errors.Should().NotContain("Accepting a connection failed", "the server never ran out of descriptors");
        CountLines(server.Errors, "Connection refused").Should().BeLessThanOrEqualTo(2, "refusals are logged once per interval");
        outcome.MaxDescriptors.Should().BeLessThan(400);

        using var after = await WireConnection.ConnectAsync(server.EndPoint);
        (await after.ExecuteAsync(Command.Get("w-0"))).Should().Be(Response.Ok("v"), "the writes during the flood were served");
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Refused_connections_waiting_to_be_read_cannot_exhaust_the_descriptors()
    {
        // 200 connections and the reserve fit in 450; 600 more, refused and left unread, must not take the rest.
        using var server = await ServerProcess.StartWithDescriptorLimitAsync(450, "--port", "0", "--max-connections", "200");
        server.Errors.Should().NotContain("lowered");

        using var writer = await WireConnection.ConnectAsync(server.EndPoint);
        var outcome = await FloodAsync(server, 800, writer);

        outcome.Served.Should().Be(199);
        server.Process.HasExited.Should().BeFalse(server.Errors);
        server.Errors.Should().NotContain("Accepting a connection failed", "the server never ran out of descriptors");
        outcome.MaxDescriptors.Should().BeLessThan(450);
        using var after = await WireConnection.ConnectAsync(server.EndPoint);
        (await after.ExecuteAsync(Command.Ping())).Should().Be(Response.Ok("PONG"));
    }

    private static int CountLines(string text, string part) =>
        text.Split('\n').Count(line => line.Contains(part, StringComparison.Ordinal));

    // Opens `count` connections at once and sends each a PING, while `writer` keeps writing; every connection is held
    // open (unread refusals linger) until all have an outcome. Returns how many were served and refused, and the most
    // descriptors the server had open meanwhile.
    private static async Task<(int Served, int Refused, int MaxDescriptors)> FloodAsync(ServerProcess server, int count, WireConnection writer)
    {
        var sockets = new List<Socket>();
        var maxDescriptors = 0;
        using var watching = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            while (!watching.IsCancellationRequested)
            {
                maxDescriptors = Math.Max(maxDescriptors, server.OpenDescriptors());
                await Task.Delay(5);
            }
        });
        var writes = Task.Run(async () =>
        {
            for (var i = 0; !watching.IsCancellationRequested; i++)
            {
                (await writer.ExecuteAsync(Command.Set($"w-{i % 100}", "v"))).Should().Be(Response.Ok($"w-{i % 100}"));
            }
        });

        try
        {
            var ping = WireConnection.Encode(Command.Ping("flood"));
            var results = await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                lock (sockets)
                {
                    sockets.Add(socket);
                }

                try
                {
                    await socket.ConnectAsync(server.EndPoint);
                    await socket.SendAsync(ping);
                    var buffer = new byte[64];
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                    var received = 0;
                    while (received < 11)
                    {
                        var n = await socket.ReceiveAsync(buffer.AsMemory(received), timeout.Token);
                        if (n == 0)
                        {
                            break;
                        }

                        received += n;
                    }

                    // 00 00 (OK) then "flood"; 00 01 (ERROR) then "too many connections"; or closed at once.
                    return received >= 2 && buffer[1] == 0;
                }
                catch (SocketException)
                {
                    return false;
                }
            }));

            var served = results.Count(r => r);
            return (served, count - served, maxDescriptors);
        }
        finally
        {
            watching.Cancel();
            await watcher;
            await writes;
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }
    }
}
