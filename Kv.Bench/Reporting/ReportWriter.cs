using System.Globalization;
using System.Text.Json;
using Kv.Bench.Load;

namespace Kv.Bench.Reporting;

/// <summary>Writes results as text for people, or as CSV or JSON for scripts.</summary>
internal static class ReportWriter
{
    public static void WriteText(TextWriter output, TestResult r, BenchOptions options, bool perSecond = false)
    {
        output.WriteLine(FormattableString.Invariant($"====== {r.Test} ====== ({r.Protocol}, {r.Connections} connections, pipeline {r.Pipeline}, {options.ValueSize}-byte values, {options.Keyspace:N0} keys{DescribeKeys(options)})"));
        output.WriteLine(FormattableString.Invariant($"  {r.Requests:N0} requests in {r.Elapsed.TotalSeconds:F2} s: {r.OpsPerSecond:N0} ops/s"));
        if (r.Test == "CACHE")
        {
            var ratio = r.HitRatio is { } h ? FormattableString.Invariant($"{h:F4}") : "-";
            output.WriteLine(FormattableString.Invariant($"  hit ratio {ratio}: {r.Hits:N0} hits in {r.Gets:N0} GETs ({r.GetsPerSecond:N0} GETs/s), {r.Requests - r.Gets:N0} fills ({r.FillErrors:N0} refused)"));
        }

        output.WriteLine(FormattableString.Invariant($"  latency (µs): p50 {r.LatencyMicros(50):F0}  p99 {r.LatencyMicros(99):F0}  p99.9 {r.LatencyMicros(99.9):F0}  max {r.MaxLatencyMicros:F0}"));
        if (r.Seconds.Worst() is { } worst)
        {
            output.WriteLine(FormattableString.Invariant($"  worst second: #{worst.Second + 1} of {r.Seconds.Seconds}, {worst.Responses:N0} responses, max latency {worst.MaxLatencyMicros:F0} µs"));
        }

        if (perSecond)
        {
            foreach (var (second, (responses, max)) in r.Seconds.All().Index())
            {
                output.WriteLine(FormattableString.Invariant($"    second {second + 1,4}: {responses,10:N0} responses, max latency {max,8:F0} µs"));
            }
        }

        output.WriteLine(FormattableString.Invariant($"  errors {r.Errors}, misses {r.Misses}{(options.Verify ? $", verify failures {r.VerifyFailures}" : string.Empty)}"));
        var server = r.ServerCpuMicrosPerOp is { } s ? FormattableString.Invariant($"; server CPU {s:F2} µs/op") : string.Empty;
        output.WriteLine(FormattableString.Invariant($"  kv-bench CPU {r.ClientCpuPercent:F0}% of a core, {r.ClientCpuMicrosPerOp:F2} µs/op{server}"));
    }

    // New columns go at the end, so that scripts reading columns by position keep working.
    public static void WriteCsvHeader(TextWriter output) =>
        output.WriteLine("test,protocol,connections,pipeline,requests,seconds,ops_per_sec,p50_us,p99_us,p999_us,max_us,worst_second_ops,worst_second_max_us,errors,misses,verify_failures,client_cpu_us_per_op,server_cpu_us_per_op,gets,hits,hit_ratio");

    public static void WriteCsv(TextWriter output, TestResult r) =>
        output.WriteLine(string.Join(',',
            r.Test, r.Protocol.Replace(',', ' '), I(r.Connections), I(r.Pipeline), I(r.Requests), F(r.Elapsed.TotalSeconds), F(r.OpsPerSecond),
            F(r.LatencyMicros(50)), F(r.LatencyMicros(99)), F(r.LatencyMicros(99.9)), F(r.MaxLatencyMicros),
            r.Seconds.Worst() is { } w ? I(w.Responses) : string.Empty, r.Seconds.Worst() is { } w2 ? F(w2.MaxLatencyMicros) : string.Empty,
            I(r.Errors), I(r.Misses), I(r.VerifyFailures), F(r.ClientCpuMicrosPerOp), r.ServerCpuMicrosPerOp is { } s ? F(s) : string.Empty,
            I(r.Gets), I(r.Hits), r.HitRatio is { } h ? h.ToString("F4", CultureInfo.InvariantCulture) : string.Empty));

    public static void WriteJson(Stream output, IEnumerable<TestResult> results, BenchOptions options)
    {
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        json.WriteStartArray();
        foreach (var r in results)
        {
            json.WriteStartObject();
            json.WriteString("test", r.Test);
            json.WriteString("protocol", r.Protocol);
            json.WriteNumber("connections", r.Connections);
            json.WriteNumber("pipeline", r.Pipeline);
            json.WriteNumber("value_size", options.ValueSize);
            json.WriteNumber("keyspace", options.Keyspace);
            json.WriteString("distribution", options.SequentialKeys ? "sequential" : options.Distribution.ToString().ToLowerInvariant());
            if (options.Distribution == KeyDistribution.Zipf)
            {
                json.WriteNumber("zipf", options.ZipfExponent);
            }

            json.WriteNumber("scan_fraction", options.ScanFraction);
            json.WriteNumber("scan_length", options.ScanLength);
            json.WriteNumber("seed", options.Seed);
            json.WriteNumber("requests", r.Requests);
            json.WriteNumber("seconds", r.Elapsed.TotalSeconds);
            json.WriteNumber("ops_per_sec", r.OpsPerSecond);
            json.WriteNumber("p50_us", r.LatencyMicros(50));
            json.WriteNumber("p99_us", r.LatencyMicros(99));
            json.WriteNumber("p999_us", r.LatencyMicros(99.9));
            json.WriteNumber("max_us", r.MaxLatencyMicros);
            if (r.Seconds.Worst() is { } worst)
            {
                json.WriteNumber("worst_second_ops", worst.Responses);
                json.WriteNumber("worst_second_max_us", worst.MaxLatencyMicros);
            }
            json.WriteNumber("errors", r.Errors);
            json.WriteNumber("misses", r.Misses);
            json.WriteNumber("gets", r.Gets);
            json.WriteNumber("hits", r.Hits);
            if (r.HitRatio is { } ratio)
            {
                json.WriteNumber("hit_ratio", ratio);
            }
            else
            {
                json.WriteNull("hit_ratio");
            }

            json.WriteNumber("gets_per_sec", r.GetsPerSecond);
            json.WriteNumber("fill_errors", r.FillErrors);
            json.WriteNumber("verify_failures", r.VerifyFailures);
            json.WriteNumber("client_cpu_us_per_op", r.ClientCpuMicrosPerOp);
            json.WriteNumber("client_cpu_percent", r.ClientCpuPercent);
            if (r.ServerCpuMicrosPerOp is { } s)
            {
                json.WriteNumber("server_cpu_us_per_op", s);
            }
            else
            {
                json.WriteNull("server_cpu_us_per_op");
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    // ", zipf 0.99, 20% scans of 1,000 keys" for the header line; nothing for uniform keys without scans.
    private static string DescribeKeys(BenchOptions options)
    {
        var keys = options.SequentialKeys ? ", sequential" : options.Distribution == KeyDistribution.Zipf ? FormattableString.Invariant($", zipf {options.ZipfExponent}") : string.Empty;
        return options.ScanFraction > 0 ? FormattableString.Invariant($"{keys}, {options.ScanFraction * 100:0.##}% scans of {options.ScanLength:N0} keys") : keys;
    }

    private static string I(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string F(double value) => value.ToString("F2", CultureInfo.InvariantCulture);
}
