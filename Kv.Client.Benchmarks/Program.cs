using System.Diagnostics;
using System.Globalization;
using System.Text;
using Kv.Client;
using StackExchange.Redis;

// Closed-loop load through ONE multiplexed client: N tasks, each doing SET then GET of a 32-byte value on its own key,
// as fast as answers come, and checking that the GET returns the task's own value (a mismatch fails the run). Prints
// throughput, and per operation: the client process's CPU time, its allocation, the thread-pool work items it ran and
// the lock contentions it met. The servers run separately (kv-server, redis-server), so that the client's costs are
// measured alone. bench/client-compare.sh runs both clients alternately and prints medians and ratios.
//
//   dotnet Kv.Client.Benchmarks.dll kv 127.0.0.1:6555 64 5 [WARMUP-SECONDS]
//   dotnet Kv.Client.Benchmarks.dll redis 127.0.0.1:6379 64 5
if (args.Length is < 4 or > 5 || args[0] is not ("kv" or "redis"))
{
    Console.Error.WriteLine("usage: Kv.Client.Benchmarks kv|redis HOST:PORT TASKS SECONDS [WARMUP-SECONDS]");
    return 2;
}

var client = args[0];
var endPoint = args[1];
var tasks = int.Parse(args[2], CultureInfo.InvariantCulture);
var seconds = double.Parse(args[3], CultureInfo.InvariantCulture);
var warmup = args.Length > 4 ? double.Parse(args[4], CultureInfo.InvariantCulture) : Math.Min(2, seconds);
var mismatches = 0L;

await using var kv = client == "kv" ? await KvClient.ConnectAsync(endPoint) : null;
using var redis = client == "redis" ? await ConnectionMultiplexer.ConnectAsync(endPoint) : null;
var database = redis?.GetDatabase();

await RunAsync(warmup); // JIT, pools, buffers
var process = Process.GetCurrentProcess();
var cpuBefore = process.TotalProcessorTime;
var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
var workItemsBefore = ThreadPool.CompletedWorkItemCount;
var contentionsBefore = Monitor.LockContentionCount;
var gen0Before = GC.CollectionCount(0);
Console.Error.WriteLine($"measuring {client} for {seconds} s (pid {Environment.ProcessId})");
var stopwatch = Stopwatch.StartNew();
var operations = await RunAsync(seconds);
var elapsed = stopwatch.Elapsed;
process.Refresh();
var cpu = process.TotalProcessorTime - cpuBefore;
var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
var workItems = ThreadPool.CompletedWorkItemCount - workItemsBefore;
var contentions = Monitor.LockContentionCount - contentionsBefore;
var gen0 = GC.CollectionCount(0) - gen0Before;
double PerOp(double x) => x / operations;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{client,-5} tasks={tasks,3} {operations / elapsed.TotalSeconds,10:N0} ops/s  client CPU {PerOp(cpu.TotalMicroseconds),6:F2} us/op  allocated {PerOp(allocated),6:F1} B/op  " +
    $"work items {PerOp(workItems),5:F2}/op  lock contentions {PerOp(contentions),6:F3}/op  gen0 GCs {gen0}"));
if (Interlocked.Read(ref mismatches) > 0)
{
    Console.Error.WriteLine($"{mismatches} GETs returned a value other than the one just SET");
    return 1;
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"RESULT client={client} tasks={tasks} ops_per_sec={operations / elapsed.TotalSeconds:F0} cpu_us_per_op={PerOp(cpu.TotalMicroseconds):F3} " +
    $"alloc_b_per_op={PerOp(allocated):F2} work_items_per_op={PerOp(workItems):F3} contentions_per_op={PerOp(contentions):F4}"));
return 0;

async Task<long> RunAsync(double duration)
{
    var clock = Stopwatch.StartNew();
    var counts = await Task.WhenAll(Enumerable.Range(0, tasks).Select(task => Task.Run(async () =>
    {
        var key = Encoding.UTF8.GetBytes($"bench:{task}");
        var value = new byte[32];
        Array.Fill(value, (byte)task);
        RedisValue redisValue = value;
        long count = 0;
        while (clock.Elapsed.TotalSeconds < duration)
        {
            bool same;
            if (kv is not null)
            {
                await kv.SetAsync(key, value);
                same = (await kv.GetAsync(key)).AsSpan().SequenceEqual(value);
            }
            else
            {
                await database!.StringSetAsync(key, redisValue);
                same = await database.StringGetAsync(key) == redisValue;
            }

            if (!same)
            {
                Interlocked.Increment(ref mismatches);
            }

            count += 2;
        }

        return count;
    })));
    return counts.Sum();
}
