using System.CommandLine;
using System.CommandLine.Help;
using Kv.Bench.Load;
using Kv.Bench.Reporting;
using Kv.Bench.Wire;
using Kv.Protocol;

namespace Kv.Bench;

/// <summary>The <c>kv-bench</c> entry point: a load generator in the manner of redis-benchmark.</summary>
public static class Program
{
    /// <summary>Runs the benchmark; exit code 0 on success, 1 when requests failed or values did not verify, 2 on bad usage or a connection failure.</summary>
    public static Task<int> Main(string[] args)
    {
        var host = new Option<string>("--host", "-h") { Description = "Server host (KV_HOST).", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("KV_HOST") ?? "127.0.0.1" };
        var port = new Option<int?>("--port", "-p") { Description = "Server port (KV_PORT); default 6555 for kv, 6379 for resp." };
        var connections = new Option<int>("--connections", "-c") { Description = "Parallel connections.", DefaultValueFactory = _ => 50 };
        var requests = new Option<long>("--requests", "-n") { Description = "Requests per test (ignored with --duration).", DefaultValueFactory = _ => 100_000 };
        var duration = new Option<double?>("--duration") { Description = "Seconds to measure each test for, after the warm-up." };
        var warmup = new Option<double>("--warmup") { Description = "Seconds of unmeasured load before each test.", DefaultValueFactory = _ => 1 };
        var pipeline = new Option<int>("--pipeline", "-P") { Description = "Requests in flight per connection.", DefaultValueFactory = _ => 1 };
        var valueSize = new Option<int>("--data-size", "-d") { Description = "Value size in bytes.", DefaultValueFactory = _ => 32 };
        var keyspace = new Option<int>("--keyspace", "-r") { Description = "Number of distinct keys (16 bytes each).", DefaultValueFactory = _ => 100_000 };
        var sequential = new Option<bool>("--sequential") { Description = "Use keys 0, 1, 2, ... in order (each once per keyspace) instead of random ones." };
        var tests = new Option<string>("--tests", "-t") { Description = "Comma-separated tests: set, get, ping, clear.", DefaultValueFactory = _ => "set,get" };
        var protocol = new Option<string>("--proto") { Description = "kv (Kv protocol) or resp (Redis protocol).", DefaultValueFactory = _ => "kv" };
        var kvVersion = new Option<int>("--kv-version") { Description = "Kv protocol version, 0 or 1.", DefaultValueFactory = _ => 1 };
        var verify = new Option<bool>("--verify") { Description = "Check that every GET returns exactly the value written for its key." };
        var serverPid = new Option<int?>("--server-pid") { Description = "PID of the server, to report its CPU time per request (Linux /proc)." };
        var csv = new Option<bool>("--csv") { Description = "Print results as CSV." };
        var json = new Option<bool>("--json") { Description = "Print results as JSON." };
        var perSecond = new Option<bool>("--per-second") { Description = "Also print each second's responses and highest latency (text output)." };
        var ioThreads = new Option<int>("--io-threads") { Description = "Socket event threads for the generator (0: one).", DefaultValueFactory = _ => 0 };

        var root = new RootCommand("kv-bench: load generator for Kv and Redis-compatible servers")
        {
            host, port, connections, requests, duration, warmup, pipeline, valueSize, keyspace, sequential, tests, protocol, kvVersion, verify, serverPid, csv, json, perSecond, ioThreads,
        };

        // -h is the host, as in redis-benchmark; help stays on --help and -?.
        foreach (var option in root.Options.OfType<HelpOption>())
        {
            option.Aliases.Remove("-h");
        }

        root.SetAction(async (result, cancellationToken) =>
        {
            BenchOptions options;
            List<Operation> operations;
            try
            {
                var proto = result.GetValue(protocol)!.ToLowerInvariant();
                var version = result.GetValue(kvVersion);
                options = new BenchOptions
                {
                    Host = result.GetValue(host)!,
                    Port = result.GetValue(port) ?? (int.TryParse(Environment.GetEnvironmentVariable("KV_PORT"), out var envPort) && proto == "kv" ? envPort : proto == "resp" ? 6379 : 6555),
                    Connections = Positive(result.GetValue(connections), "--connections"),
                    Requests = Positive(result.GetValue(requests), "--requests"),
                    Duration = result.GetValue(duration) is { } d ? TimeSpan.FromSeconds(Positive(d, "--duration")) : null,
                    Warmup = TimeSpan.FromSeconds(Math.Max(0, result.GetValue(warmup))),
                    Pipeline = Positive(result.GetValue(pipeline), "--pipeline"),
                    ValueSize = Positive(result.GetValue(valueSize), "--data-size"),
                    Keyspace = Positive(result.GetValue(keyspace), "--keyspace"),
                    SequentialKeys = result.GetValue(sequential),
                    Verify = result.GetValue(verify),
                    ServerPid = result.GetValue(serverPid),
                    Protocol = proto switch
                    {
                        "kv" when version is 0 or 1 => new KvWireProtocol((ProtocolVersion)version),
                        "resp" => new RespWireProtocol(),
                        _ => throw new ArgumentException("--proto must be kv or resp, and --kv-version 0 or 1."),
                    },
                };
                operations = result.GetValue(tests)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(t => Enum.TryParse<Operation>(t, ignoreCase: true, out var op) ? op : throw new ArgumentException($"Unknown test '{t}' (set, get, ping, clear)."))
                    .ToList();
            }
            catch (ArgumentException e)
            {
                await Console.Error.WriteLineAsync($"kv-bench: {e.Message}").ConfigureAwait(false);
                return 2;
            }

            var threads = result.GetValue(ioThreads);
            Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
            Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT", Math.Max(1, threads).ToString(System.Globalization.CultureInfo.InvariantCulture));

            var results = new List<TestResult>();
            var asCsv = result.GetValue(csv);
            var asJson = result.GetValue(json);
            if (asCsv)
            {
                ReportWriter.WriteCsvHeader(Console.Out);
            }

            try
            {
                foreach (var operation in operations)
                {
                    var measured = await new LoadRunner(options).RunAsync(operation, cancellationToken).ConfigureAwait(false);
                    results.Add(measured);
                    if (asCsv)
                    {
                        ReportWriter.WriteCsv(Console.Out, measured);
                    }
                    else if (!asJson)
                    {
                        ReportWriter.WriteText(Console.Out, measured, options, result.GetValue(perSecond));
                    }
                }
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or InvalidDataException)
            {
                await Console.Error.WriteLineAsync($"kv-bench: {e.Message}").ConfigureAwait(false);
                return 2;
            }

            if (asJson)
            {
                using var stdout = Console.OpenStandardOutput();
                ReportWriter.WriteJson(stdout, results, options);
                await stdout.WriteAsync("\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
            }

            return results.Any(r => r.Errors > 0 || r.VerifyFailures > 0) ? 1 : 0;
        });

        return root.Parse(args).InvokeAsync();
    }

    private static T Positive<T>(T value, string name)
        where T : System.Numerics.INumber<T> =>
        value > T.Zero ? value : throw new ArgumentException($"{name} must be positive.");
}
