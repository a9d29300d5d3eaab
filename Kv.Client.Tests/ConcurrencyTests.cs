using System.Diagnostics;

namespace Kv.Client.Tests;

public class ConcurrencyTests
{
    private const int Tasks = 64;
    private const int PairsPerTask = 5_000;

    [Test]
    [CancelAfter(60_000)]
    public async Task Sixty_four_tasks_share_one_client_and_every_value_comes_back_intact(CancellationToken cancellationToken)
    {
        await using var server = InProcessServer.Start(ClientTestServer.Options);
        await using var client = await KvClient.ConnectAsync(server.Address, cancellationToken);
        var stopwatch = Stopwatch.StartNew();

        var workers = Enumerable.Range(0, Tasks).Select(worker => Task.Run(async () =>
        {
            var mismatches = 0;
            for (var i = 0; i < PairsPerTask; i++)
            {
                var key = $"w{worker}:k{i % 100}";
                var value = $"v{worker}:{i}";
                await client.SetAsync(key, value, cancellationToken);
                var read = await client.GetAsync(key, cancellationToken);
                if (read != value)
                {
                    mismatches++;
                }
            }

            return mismatches;
        }, cancellationToken)).ToArray();
        var results = await Task.WhenAll(workers);
        stopwatch.Stop();

        results.Sum().Should().Be(0);
        var operations = Tasks * PairsPerTask * 2;
        TestContext.Out.WriteLine($"{operations:N0} operations in {stopwatch.Elapsed.TotalSeconds:F2} s: {operations / stopwatch.Elapsed.TotalSeconds:N0} ops/s");
    }
}
