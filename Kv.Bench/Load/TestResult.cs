using HdrHistogram;

namespace Kv.Bench.Load;

/// <summary>What one test measured.</summary>
internal sealed record TestResult(
    string Test,
    string Protocol,
    int Connections,
    int Pipeline,
    long Requests,
    TimeSpan Elapsed,
    LongHistogram Latency,
    long Errors,
    long Misses,
    long Gets,
    long Hits,
    long FillErrors,
    long VerifyFailures,
    TimeSpan ClientCpu,
    TimeSpan? ServerCpu,
    PerSecond Seconds)
{
    public double OpsPerSecond => Requests / Elapsed.TotalSeconds;

    /// <summary>Hits per GET measured; null when no GET was measured. In the cache test, the fills are not GETs.</summary>
    public double? HitRatio => Gets > 0 ? (double)Hits / Gets : null;

    public double GetsPerSecond => Gets / Elapsed.TotalSeconds;

    /// <summary>Latency at a percentile, in microseconds (the histogram records Stopwatch ticks).</summary>
    public double LatencyMicros(double percentile) => Latency.GetValueAtPercentile(percentile) * 1e6 / System.Diagnostics.Stopwatch.Frequency;

    public double MaxLatencyMicros => Latency.GetMaxValue() * 1e6 / System.Diagnostics.Stopwatch.Frequency;

    public double ClientCpuMicrosPerOp => ClientCpu.TotalMicroseconds / Requests;

    public double ClientCpuPercent => 100 * ClientCpu.TotalSeconds / Elapsed.TotalSeconds;

    public double? ServerCpuMicrosPerOp => ServerCpu?.TotalMicroseconds / Requests;
}
