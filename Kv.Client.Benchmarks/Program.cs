using System.Diagnostics;
using System.Globalization;
using System.Text;
using Kv.Client;
using StackExchange.Redis;

// Closed-loop load through ONE multiplexed client: N tasks, each doing SET then GET of a 32-byte value on its own key,
// as fast as answers come. Prints throughput, the client process's CPU time per operation and its allocation per
// operation. The servers run separately (kv-server, redis-server), so that the client's costs are measured alone.
//
//   dotnet Kv.Client.Benchmarks.dll kv 127.0.0.1:6555 64 5
//   dotnet Kv.Client.Benchmarks.dll redis 127.0.0.1:6379 64 5
if (args.Length != 4 || args[0] is not ("kv" or "redis"))
{
    Console.Error.WriteLine("usage: Kv.Client.Benchmarks kv|redis HOST:PORT TASKS SECONDS");
    return 2;
}

var client = args[0];
var endPoint = args[1];
var tasks = int.Parse(args[2], CultureInfo.InvariantCulture);
var seconds = double.Parse(args[3], CultureInfo.InvariantCulture);
var value = new byte[32];

await using var kv = client == "kv" ? await KvClient.ConnectAsync(endPoint) : null;
using var redis = client == "redis" ? await ConnectionMultiplexer.ConnectAsync(endPoint) : null;
var database = redis?.GetDatabase();

await RunAsync(Math.Min(2, seconds)); // warm-up: JIT, pools, buffers
var process = Process.GetCurrentProcess();
var cpuBefore = process.TotalProcessorTime;
var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
var stopwatch = Stopwatch.StartNew();
var operations = await RunAsync(seconds);
var elapsed = stopwatch.Elapsed;
process.Refresh();
var cpu = process.TotalProcessorTime - cpuBefore;
var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{client,-5} tasks={tasks,3} {operations / elapsed.TotalSeconds,10:N0} ops/s  client CPU {cpu.TotalMicroseconds / operations,6:F2} us/op  allocated {allocated / (double)operations,6:F1} B/op"));
return 0;

async Task<long> RunAsync(double duration)
{
    var clock = Stopwatch.StartNew();
    var counts = await Task.WhenAll(Enumerable.Range(0, tasks).Select(task => Task.Run(async () =>
    {
        var key = Encoding.UTF8.GetBytes($"bench:{task}");
        long count = 0;
        while (clock.Elapsed.TotalSeconds < duration)
        {
            if (kv is not null)
            {
                await kv.SetAsync(key, value);
                await kv.GetAsync(key);
            }
            else
            {
                await database!.StringSetAsync(key, value);
                await database.StringGetAsync(key);
            }

            count += 2;
        }

        return count;
    })));
    return counts.Sum();
}
