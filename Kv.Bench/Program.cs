using System.CommandLine;
using System.CommandLine.Help;
using Kv.Bench.Load;
using Kv.Bench.Reporting;
using Kv.Bench.Wire;
using Kv.CommandLine;
using Kv.Protocol;

namespace Kv.Bench;

/// <summary>The <c>kv-bench</c> entry point: a load generator in the manner of redis-benchmark.</summary>
public static class Program
{
    /// <summary>Runs the benchmark; exit codes as <see cref="ExitCodes"/>: 1 when requests failed or values did not verify, 2 on bad usage or a connection failure.</summary>
    public static Task<int> Main(string[] args)
    {
        var host = ToolOptions.Value("--host", "Server host.", HostName, "127.0.0.1", "KV_HOST", aliases: "-h");
        var port = ToolOptions.Value<int?>("--port", "Server port; by default KV_PORT or 6555 for kv, 6379 for resp.", OptionalPort, null, aliases: "-p");
        var connections = ToolOptions.Value("--connections", "Parallel connections.", ToolOptions.Int(1, 100_000), 50, aliases: "-c");
        var requests = ToolOptions.Value("--requests", "Requests per test (ignored with --duration).", ToolOptions.Long(1, long.MaxValue), 100_000L, aliases: "-n");
        var duration = ToolOptions.Value<double?>("--duration", "Seconds to measure each test for, after the warm-up.", PositiveSeconds, null);
        var warmup = ToolOptions.Value("--warmup", "Seconds of unmeasured load before each test.", ToolOptions.Number(0, 3600), 1.0);
        var warmupRequests = ToolOptions.Value("--warmup-requests", "Unmeasured requests (cache test: GETs) before each test, instead of --warmup seconds; 0: use --warmup.", ToolOptions.Long(0, long.MaxValue), 0L);
        var pipeline = ToolOptions.Value("--pipeline", "Requests in flight per connection.", ToolOptions.Int(1, 100_000), 1, aliases: "-P");
        var valueSize = ToolOptions.Value("--data-size", "Value size in bytes.", ToolOptions.Int(1, 512 * 1024 * 1024), 32, aliases: "-d");
        var keyspace = ToolOptions.Value("--keyspace", "Number of distinct keys (16 bytes each).", ToolOptions.Int(1, int.MaxValue), 100_000, aliases: "-r");
        var sequential = new Option<bool>("--sequential") { Description = "Use keys 0, 1, 2, ... in order (each once per keyspace) instead of random ones." };
        var distribution = ToolOptions.Value("--distribution", "How random keys are drawn: uniform, or zipf (rank k with probability proportional to 1/k^s, ranks scattered over the keys).", ToolOptions.OneOf("uniform", "zipf"), "uniform");
        var zipf = ToolOptions.Value("--zipf", "The Zipf exponent s (with --distribution zipf).", ToolOptions.Number(0.01, 10), 0.99);
        var scanFraction = ToolOptions.Value("--scan-fraction", "Share of keys, 0 to 1, taken by one-off scans: runs of --scan-length new consecutive keys, outside the keyspace, never asked for again.", ToolOptions.Number(0, 1), 0.0);
        var scanLength = ToolOptions.Value("--scan-length", "Keys in each scan.", ToolOptions.Int(1, 1_000_000_000), 1000);
        var seed = ToolOptions.Value("--seed", "Seed of the random keys: the same seed and options replay the same keys on each connection.", ToolOptions.Long(0, long.MaxValue), 0L);
        var keyOffset = ToolOptions.Value("--key-offset", "Added to every key id: a run over keys that another run's keyspace does not hold.", ToolOptions.Long(0, 100_000_000_000), 0L);
        var ttl = ToolOptions.Value("--ttl", "Milliseconds to live for every SET (Kv: SETX with PX, protocol version 1; Redis: SET ... PX); 0: none.", ToolOptions.Long(0, long.MaxValue), 0L);
        var tests = ToolOptions.Value("--tests", "Comma-separated tests: set, get, ping, clear, cache (a GET, and a SET of the key on a miss; reports the hit ratio).", ParseTests, (IReadOnlyList<Operation>)[Operation.Set, Operation.Get], aliases: "-t");
        var protocol = ToolOptions.Value("--proto", "kv (Kv protocol) or resp (Redis protocol).", ToolOptions.OneOf("kv", "resp"), "kv");
        var kvVersion = ToolOptions.Value("--kv-version", "Kv protocol version.", ToolOptions.Int(0, 1), 1);
        var verify = new Option<bool>("--verify") { Description = "Check that every GET returns exactly the value written for its key." };
        var serverPid = ToolOptions.Value<int?>("--server-pid", "PID of the server, to report its CPU time per request (Linux /proc).", OptionalPid, null);
        var csv = new Option<bool>("--csv") { Description = "Print results as CSV." };
        var json = new Option<bool>("--json") { Description = "Print results as JSON." };
        var perSecond = new Option<bool>("--per-second") { Description = "Also print each second's responses and highest latency (text output)." };
        var threads = ToolOptions.Value("--threads", "Load threads, each an event loop over its share of the connections.", ToolOptions.Int(1, 64), 1);

        // Read from the environment in the action rather than by the options, whose help would show the value.
        var user = new Option<string?>("--user") { Description = "The user of the AUTH that opens each connection, with --password; without it, the server's default user (KV_USER)." };
        var password = new Option<string?>("--password", "-a")
        {
            Description = "Send AUTH [user] password as each connection's first request and check the answer before the load (Kv protocol version 1, or RESP for Redis's requirepass and ACL users). Prefer the variable, which ps does not show (KV_PASSWORD).",
        };

        var tls = new Option<bool>("--tls") { Description = "Connect with TLS (1.2 or 1.3), kv or resp alike; implied by the other --tls options (KV_TLS=1)." };
        var tlsCa = new Option<string?>("--tls-ca") { Description = "A PEM bundle of certificate authorities to trust for the server's certificate, instead of the system's store (KV_TLS_CA)." };
        var tlsCert = new Option<string?>("--tls-cert") { Description = "Mutual TLS: the client certificate to present, a PEM file; needs --tls-key (KV_TLS_CLIENT_CERT)." };
        var tlsKey = new Option<string?>("--tls-key") { Description = "The private key of --tls-cert, a PEM file (KV_TLS_CLIENT_KEY)." };
        var tlsHost = new Option<string?>("--tls-host") { Description = "The name the server's certificate must carry, also sent as SNI; without it, --host (KV_TLS_HOST)." };
        var tlsInsecure = new Option<bool>("--tls-insecure") { Description = "Do not check the server's certificate at all (tests only). No variable." };

        var root = ToolCommand.Create("kv-bench", "A load generator for Kv and Redis-compatible servers, in the manner of redis-benchmark.");
        foreach (var option in new Option[] { host, port, connections, requests, duration, warmup, warmupRequests, pipeline, valueSize, keyspace, sequential, distribution, zipf, scanFraction, scanLength, seed, keyOffset, ttl, tests, protocol, kvVersion, verify, serverPid, csv, json, perSecond, threads, user, password, tls, tlsCa, tlsCert, tlsKey, tlsHost, tlsInsecure })
        {
            root.Options.Add(option);
        }

        // -h is the host, as in redis-benchmark; help stays on --help and -?.
        foreach (var option in root.Options.OfType<HelpOption>())
        {
            option.Aliases.Remove("-h");
        }

        root.SetAction(async (result, cancellationToken) =>
        {
            var proto = result.GetValue(protocol)!;
            var options = new BenchOptions
            {
                Host = result.GetValue(host)!,
                Port = result.GetValue(port) ?? (proto == "resp" ? 6379 : KvPortFromEnvironment()),
                Connections = result.GetValue(connections),
                Requests = result.GetValue(requests),
                Duration = result.GetValue(duration) is { } d ? TimeSpan.FromSeconds(d) : null,
                Warmup = TimeSpan.FromSeconds(result.GetValue(warmup)),
                WarmupRequests = result.GetValue(warmupRequests),
                Pipeline = result.GetValue(pipeline),
                ValueSize = result.GetValue(valueSize),
                Keyspace = result.GetValue(keyspace),
                SequentialKeys = result.GetValue(sequential),
                Distribution = result.GetValue(distribution) == "zipf" ? KeyDistribution.Zipf : KeyDistribution.Uniform,
                ZipfExponent = result.GetValue(zipf),
                ScanFraction = result.GetValue(scanFraction),
                ScanLength = result.GetValue(scanLength),
                Seed = result.GetValue(seed),
                KeyOffset = result.GetValue(keyOffset),
                Verify = result.GetValue(verify),
                ServerPid = result.GetValue(serverPid),
                Threads = result.GetValue(threads),
                User = NonEmpty(result.GetValue(user)) ?? NonEmpty(Environment.GetEnvironmentVariable("KV_USER")),
                Password = NonEmpty(result.GetValue(password)) ?? NonEmpty(Environment.GetEnvironmentVariable("KV_PASSWORD")),
                Protocol = proto == "resp"
                    ? new RespWireProtocol(result.GetValue(ttl))
                    : new KvWireProtocol((ProtocolVersion)result.GetValue(kvVersion), result.GetValue(ttl)),
            };
            if (proto == "kv" && result.GetValue(ttl) > 0 && result.GetValue(kvVersion) == 0)
            {
                await Console.Error.WriteLineAsync("kv-bench: --ttl needs SETX, which protocol version 0 does not have: use --kv-version 1.").ConfigureAwait(false);
                return ExitCodes.Error;
            }

            if (options.Password is not null && proto == "kv" && result.GetValue(kvVersion) == 0)
            {
                await Console.Error.WriteLineAsync("kv-bench: --password needs AUTH, which protocol version 0 does not have: use --kv-version 1.").ConfigureAwait(false);
                return ExitCodes.Error;
            }

            if (options.User is not null && options.Password is null)
            {
                await Console.Error.WriteLineAsync("kv-bench: --user (KV_USER) needs --password (KV_PASSWORD).").ConfigureAwait(false);
                return ExitCodes.Error;
            }

            BenchTls? tlsOptions;
            try
            {
                tlsOptions = TlsOptions(result, tls, tlsCa, tlsCert, tlsKey, tlsHost, tlsInsecure);
            }
            catch (ArgumentException e)
            {
                await Console.Error.WriteLineAsync($"kv-bench: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Error;
            }

            if (tlsOptions is { Insecure: true })
            {
                await Console.Error.WriteLineAsync(BenchTls.InsecureWarning).ConfigureAwait(false);
            }

            options = options with { Tls = tlsOptions };
            var operations = result.GetValue(tests)!;
            if (options.SequentialKeys && (options.Distribution != KeyDistribution.Uniform || options.ScanFraction > 0))
            {
                await Console.Error.WriteLineAsync("kv-bench: --sequential draws no random keys: it cannot go with --distribution zipf or --scan-fraction.").ConfigureAwait(false);
                return ExitCodes.Error;
            }

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
            catch (AuthenticationFailedException e)
            {
                await Console.Error.WriteLineAsync($"kv-bench: {options.Host}:{options.Port}: {e.Message} (check --user and --password, or KV_USER and KV_PASSWORD)").ConfigureAwait(false);
                return ExitCodes.Error;
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or InvalidDataException)
            {
                await Console.Error.WriteLineAsync($"kv-bench: {options.Host}:{options.Port}: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Error;
            }

            if (asJson)
            {
                using var stdout = Console.OpenStandardOutput();
                ReportWriter.WriteJson(stdout, results, options);
                await stdout.WriteAsync("\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
            }

            return results.Any(r => r.Errors > 0 || r.VerifyFailures > 0) ? ExitCodes.Unsuccessful : ExitCodes.Success;
        });

        return ToolCommand.InvokeAsync(root, args, Console.Error);
    }

    // KV_PORT is the Kv server's port, so it applies only to the kv protocol; a bad value is ignored for the default.
    private static int KvPortFromEnvironment() =>
        Environment.GetEnvironmentVariable("KV_PORT") is { } text && ToolOptions.Port(allowZero: false)(text, out var port, out _) ? port : 6555;

    private static string? NonEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;

    // The TLS options, each falling back to its variable but --tls-insecure; null without TLS.
    private static BenchTls? TlsOptions(ParseResult result, Option<bool> tls, Option<string?> ca, Option<string?> cert, Option<string?> key, Option<string?> host, Option<bool> insecure)
    {
        var caFile = NonEmpty(result.GetValue(ca)) ?? NonEmpty(Environment.GetEnvironmentVariable("KV_TLS_CA"));
        var certFile = NonEmpty(result.GetValue(cert)) ?? NonEmpty(Environment.GetEnvironmentVariable("KV_TLS_CLIENT_CERT"));
        var keyFile = NonEmpty(result.GetValue(key)) ?? NonEmpty(Environment.GetEnvironmentVariable("KV_TLS_CLIENT_KEY"));
        var hostName = NonEmpty(result.GetValue(host)) ?? NonEmpty(Environment.GetEnvironmentVariable("KV_TLS_HOST"));
        var skipCheck = result.GetValue(insecure);
        var enabled = result.GetValue(tls) || Environment.GetEnvironmentVariable("KV_TLS") is "1" or "true" or "TRUE" or "True" or "yes"
            || caFile is not null || certFile is not null || keyFile is not null || hostName is not null || skipCheck;
        return enabled ? BenchTls.Load(hostName, caFile, certFile, keyFile, skipCheck) : null;
    }

    private static bool HostName(string text, out string value, out string expected)
    {
        expected = "a host name or address";
        value = text.Trim();
        return value.Length > 0;
    }

    private static bool OptionalPort(string text, out int? value, out string expected)
    {
        var ok = ToolOptions.Port(allowZero: false)(text, out var port, out expected);
        value = port;
        return ok;
    }

    private static bool OptionalPid(string text, out int? value, out string expected)
    {
        var ok = ToolOptions.Int(1, int.MaxValue)(text, out var pid, out expected);
        value = pid;
        return ok;
    }

    private static bool PositiveSeconds(string text, out double? value, out string expected)
    {
        var ok = ToolOptions.Number(0.001, 86_400)(text, out var seconds, out expected);
        value = seconds;
        return ok;
    }

    private static bool ParseTests(string text, out IReadOnlyList<Operation> value, out string expected)
    {
        expected = "a comma-separated list of set, get, ping, clear and cache";
        var operations = new List<Operation>();
        foreach (var name in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Enum.TryParse<Operation>(name, ignoreCase: true, out var operation) || !Enum.IsDefined(operation) || int.TryParse(name, out _))
            {
                value = [];
                return false;
            }

            operations.Add(operation);
        }

        value = operations;
        return operations.Count > 0;
    }
}
