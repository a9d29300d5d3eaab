namespace Kv.LoadTests.Infrastructure;

/// <summary>Percentiles of measured round-trip times.</summary>
internal sealed class Latency(IEnumerable<TimeSpan> samples)
{
    private readonly double[] _milliseconds = samples.Select(s => s.TotalMilliseconds).Order().ToArray();

    public double Percentile(double p) => _milliseconds[Math.Min(_milliseconds.Length - 1, (int)Math.Ceiling(p / 100 * _milliseconds.Length) - 1)];

    public double P50 => Percentile(50);

    public double P99 => Percentile(99);

    public double Max => _milliseconds[^1];

    public override string ToString() => $"p50 {P50:F3} ms, p99 {P99:F3} ms, max {Max:F3} ms over {_milliseconds.Length}";
}
