namespace Kv.Client.Tests;

/// <summary>
/// A server that stops reading: the socket's buffers fill, requests queue in the client, and once
/// <see cref="KvClientOptions.MaxPendingWriteBytes"/> of them wait, further calls fail at once with
/// <see cref="KvOverloadedException"/> instead of growing the client's memory; everything queued before is answered
/// once the server reads again, and the connection goes on.
/// </summary>
public class BackpressureTests
{
    [Test]
    [CancelAfter(60_000)]
    public async Task Calls_fail_fast_once_the_backlog_is_full_and_the_queued_ones_complete_when_the_server_reads_again(CancellationToken testTimeout)
    {
        await using var server = FakeServer.Start();
        await using var client = await KvClient.ConnectAsync(KvClientOptions.Default with
        {
            EndPoint = server.EndPoint,
            MaxPendingWriteBytes = 1024 * 1024,
            OperationTimeout = Timeout.InfiniteTimeSpan,
        }, testTimeout);
        (await client.PingAsync("up", testTimeout)).Should().Be("up");
        server.StopReading();

        // 64 KiB values, up to 256 MiB in all: far more than the socket buffers and the 1 MiB backlog can hold.
        var value = new byte[64 * 1024];
        var queued = new List<Task>();
        KvOverloadedException? overloaded = null;
        for (var i = 0; i < 4096 && overloaded is null; i++)
        {
            try
            {
                var set = client.SetAsync(System.Text.Encoding.UTF8.GetBytes($"k{i}"), value, testTimeout).AsTask();
                if (set is { IsFaulted: true, Exception.InnerException: KvOverloadedException e })
                {
                    overloaded = e;
                }
                else
                {
                    queued.Add(set);
                }
            }
            catch (KvOverloadedException e)
            {
                overloaded = e;
            }

            if (i % 8 == 0)
            {
                await Task.Delay(1, testTimeout); // let the writer hand the socket what it takes
            }
        }

        TestContext.Out.WriteLine($"{queued.Count} requests queued before: {overloaded?.Message}");
        overloaded.Should().NotBeNull("the backlog is bounded");
        overloaded!.Message.Should().Contain("MaxPendingWriteBytes");
        queued.Should().HaveCountGreaterThanOrEqualTo(16, "the 1 MiB backlog (and the socket buffers) took requests first");
        queued.Should().OnlyContain(t => !t.IsCompleted, "nothing was answered while the server did not read");

        server.ResumeReading();
        await Task.WhenAll(queued).WaitAsync(TimeSpan.FromSeconds(30), testTimeout);
        (await client.PingAsync("still up", testTimeout)).Should().Be("still up");
    }
}
