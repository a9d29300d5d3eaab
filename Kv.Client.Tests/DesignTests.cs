using System.Diagnostics;

namespace Kv.Client.Tests;

/// <summary>Properties of the design that are not in any one call: no thread theft, one socket, few allocations.</summary>
public class DesignTests
{
    [Test]
    [CancelAfter(20_000)]
    public async Task A_caller_that_blocks_in_its_continuation_does_not_stall_other_callers(CancellationToken testTimeout)
    {
        await using var server = InProcessServer.Start(ClientTestServer.Options);
        await using var client = await KvClient.ConnectAsync(server.Address, testTimeout);
        using var blocking = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();

        // If completions ran continuations inline, this one would hold the reader loop hostage.
        var thief = Task.Run(async () =>
        {
            await client.PingAsync("thief", testTimeout);
            blocking.Set();
            release.Wait(testTimeout);
        }, testTimeout);
        blocking.Wait(testTimeout);

        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < 100; i++)
        {
            (await client.PingAsync($"other {i}", testTimeout)).Should().Be($"other {i}");
        }

        stopwatch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5));
        release.Set();
        await thief;
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task A_continuation_that_blocks_holds_up_neither_the_reader_loop_nor_for_long_the_rest_of_its_receive(CancellationToken testTimeout)
    {
        // No operation timeout, so no timeout timer: only the reader loop and the batch watchdog can come to the rescue.
        await using var server = FakeServer.Start();
        await using var client = await KvClient.ConnectAsync(KvClientOptions.Default with { EndPoint = server.EndPoint, OperationTimeout = Timeout.InfiniteTimeSpan }, testTimeout);
        using var blocked = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        server.Stall();

        // The thief's request goes first, so its response comes first in the one send that answers all 21, and its
        // continuation runs first in the batch. Registered off NUnit's synchronization context, to run inline.
        Task thief = null!;
        Task<string>[] others = null!;
        await Task.Run(() =>
        {
            thief = BlockAfterAsync(client.PingAsync("thief", testTimeout));
            others = Enumerable.Range(0, 20).Select(i => AwaitAsync(client.PingAsync($"other {i}", testTimeout))).ToArray();
        }, testTimeout);
        await Waiting.UntilAsync(() => server.HeldRequests == 21, testTimeout);
        server.Release();
        blocked.Wait(testTimeout);

        // Nothing more arrives, yet the rest of that receive completes while the thief still blocks ...
        var results = await Task.WhenAll(others).WaitAsync(TimeSpan.FromSeconds(5), testTimeout);
        results.Should().Equal(Enumerable.Range(0, 20).Select(i => $"other {i}"));

        // ... and the reader loop goes on serving new requests.
        for (var i = 0; i < 100; i++)
        {
            (await client.PingAsync($"later {i}", testTimeout)).Should().Be($"later {i}");
        }

        thief.IsCompleted.Should().BeFalse();
        release.Set();
        await thief;

        async Task BlockAfterAsync(ValueTask<string> call)
        {
            await call;
            blocked.Set();
            release.Wait(testTimeout);
        }

        static async Task<string> AwaitAsync(ValueTask<string> call) => await call;
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task All_concurrent_callers_share_one_socket(CancellationToken testTimeout)
    {
        await using var server = InProcessServer.Start(ClientTestServer.Options);
        await using var client = await KvClient.ConnectAsync(server.Address, testTimeout);

        await Task.WhenAll(Enumerable.Range(0, 32).Select(i => Task.Run(async () =>
        {
            for (var j = 0; j < 100; j++)
            {
                await client.SetAsync($"s{i}", $"{j}", testTimeout);
            }
        }, testTimeout)));

        server.Server.ConnectionCount.Should().Be(1);
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Operations_allocate_little_beyond_their_results(CancellationToken testTimeout)
    {
        await using var server = InProcessServer.Start(ClientTestServer.Options);
        await using var client = await KvClient.ConnectAsync(server.Address, testTimeout);
        var key = "alloc:key"u8.ToArray();
        var value = new byte[32];
        await client.SetAsync(key, value, testTimeout);

        // Warm up (JIT, pools, buffers), then measure the whole process: client, server and runtime. Off NUnit's
        // synchronization context, whose Post allocates for every continuation, as in a typical server application.
        await Task.Run(() => RunAsync(20_000), testTimeout);
        const int Operations = 60_000;
        var before = GC.GetTotalAllocatedBytes(precise: true);
        await Task.Run(() => RunAsync(Operations), testTimeout);
        var perOperation = (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)Operations;

        // The results themselves: GET's 32-byte array (56 bytes) and PING's 4-byte "PONG" array (32 bytes), one each
        // per three operations: about 29 bytes per operation.
        TestContext.Out.WriteLine($"{perOperation:F1} bytes allocated per operation (SET, GET of 32 bytes, PING alternating; process-wide)");
        perOperation.Should().BeLessThan(48, "nothing but the results should be allocated");

        async Task RunAsync(int count)
        {
            for (var i = 0; i < count; i += 3)
            {
                await client.SetAsync(key, value, testTimeout);
                await client.GetAsync(key, testTimeout);
                await client.PingAsync(ReadOnlyMemory<byte>.Empty, testTimeout);
            }
        }
    }
}
