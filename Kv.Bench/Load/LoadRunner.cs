using System.Diagnostics;
using HdrHistogram;
using Kv.Bench.Wire;

namespace Kv.Bench.Load;

/// <summary>Runs one test: connect every connection, warm up, measure, and gather the figures.</summary>
internal sealed class LoadRunner(BenchOptions options)
{
    public async Task<TestResult> RunAsync(Operation operation, CancellationToken cancellationToken)
    {
        var state = new RunState(options.Duration is null ? options.Requests : null, options.Keyspace, options.WarmupRequests);
        var keys = KeyPattern.For(options);
        var workers = new ConnectionWorker[options.Connections];
        try
        {
            for (var i = 0; i < workers.Length; i++)
            {
                // Salted by the test, so that a GET test does not replay the keys of the SET test before it.
                workers[i] = ConnectionWorker.Connect(options, operation, state, keys.Stream(i, (int)operation));
            }

            var running = options.Tls is null ? StartLoops(workers) : workers.Select(w => w.RunTlsAsync()).ToArray();
            if (state.WarmupCounted)
            {
                await Task.WhenAny(state.WarmedUp, Task.Delay(Timeout.Infinite, cancellationToken), Task.WhenAll(running)).ConfigureAwait(false);
            }
            else if (options.Warmup > TimeSpan.Zero)
            {
                await Task.WhenAny(Task.Delay(options.Warmup, cancellationToken), Task.WhenAll(running)).ConfigureAwait(false);
            }

            ThrowIfFailed(running);
            var clientCpu = ProcessCpu.Self();
            var serverCpu = options.ServerPid is { } pid ? ProcessCpu.Read(pid) : (TimeSpan?)null;
            var clock = Stopwatch.StartNew();
            state.MeasureStart = Stopwatch.GetTimestamp();
            state.Phase = RunPhase.Measuring;
            if (options.Duration is { } duration)
            {
                await Task.WhenAny(Task.Delay(duration, cancellationToken), Task.WhenAll(running)).ConfigureAwait(false);
                state.Phase = RunPhase.Stopped;
            }

            await Task.WhenAll(running).ConfigureAwait(false);
            var elapsed = clock.Elapsed;
            clientCpu = ProcessCpu.Self() - clientCpu;
            serverCpu = options.ServerPid is { } pid2 ? ProcessCpu.Read(pid2) - serverCpu : null;

            var latency = new LongHistogram(workers[0].Latency.HighestTrackableValue, 3);
            foreach (var worker in workers)
            {
                latency.Add(worker.Latency);
            }

            return new TestResult(
                operation.ToString().ToUpperInvariant(),
                options.Protocol.Name,
                options.Connections,
                options.Pipeline,
                workers.Sum(w => w.Measured),
                elapsed,
                latency,
                workers.Sum(w => w.Errors),
                workers.Sum(w => w.Misses),
                workers.Sum(w => w.Gets),
                workers.Sum(w => w.Hits),
                workers.Sum(w => w.FillErrors),
                workers.Sum(w => w.VerifyFailures),
                clientCpu,
                serverCpu,
                PerSecond.Merge(workers.Select(w => w.Seconds)));
        }
        finally
        {
            foreach (var worker in workers)
            {
                worker?.Dispose();
            }
        }
    }

    // The connections dealt out to the loops in turn.
    private Task[] StartLoops(ConnectionWorker[] workers)
    {
        var loops = Enumerable.Range(0, Math.Max(1, options.Threads))
            .Select(l => new LoadLoop(l, workers.Where((_, i) => i % Math.Max(1, options.Threads) == l).ToList()))
            .ToArray();
        foreach (var loop in loops)
        {
            loop.Start();
        }

        return loops.Select(l => l.Done).ToArray();
    }

    private static void ThrowIfFailed(Task[] running)
    {
        var failed = running.FirstOrDefault(t => t.IsFaulted);
        if (failed is not null)
        {
            failed.GetAwaiter().GetResult();
        }
    }
}
