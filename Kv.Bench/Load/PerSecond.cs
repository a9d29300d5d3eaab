using System.Diagnostics;

namespace Kv.Bench.Load;

/// <summary>
/// Responses and the highest latency in each second of a measurement, so that a stall shows as a bad second even when
/// it hardly moves the percentiles. One per connection (no sharing on the hot path); merged at the end.
/// </summary>
internal sealed class PerSecond
{
    private readonly List<long> _responses = [];
    private readonly List<long> _maxTicks = [];

    public int Seconds => _responses.Count;

    public void Record(long start, long now, long latencyTicks)
    {
        var second = (int)((now - start) / Stopwatch.Frequency);
        while (_responses.Count <= second)
        {
            _responses.Add(0);
            _maxTicks.Add(0);
        }

        _responses[second]++;
        _maxTicks[second] = Math.Max(_maxTicks[second], latencyTicks);
    }

    public static PerSecond Merge(IEnumerable<PerSecond> parts)
    {
        var merged = new PerSecond();
        foreach (var part in parts)
        {
            for (var i = 0; i < part.Seconds; i++)
            {
                while (merged._responses.Count <= i)
                {
                    merged._responses.Add(0);
                    merged._maxTicks.Add(0);
                }

                merged._responses[i] += part._responses[i];
                merged._maxTicks[i] = Math.Max(merged._maxTicks[i], part._maxTicks[i]);
            }
        }

        return merged;
    }

    /// <summary>Each second's responses and highest latency in microseconds, in order.</summary>
    public IEnumerable<(long Responses, double MaxLatencyMicros)> All() =>
        _responses.Select((responses, i) => (responses, _maxTicks[i] * 1e6 / Stopwatch.Frequency));

    /// <summary>
    /// The whole second with the fewest responses (the last, partial second does not count), with its responses and its
    /// highest latency in microseconds; null when the measurement lasted less than two seconds.
    /// </summary>
    public (int Second, long Responses, double MaxLatencyMicros)? Worst()
    {
        if (_responses.Count < 2)
        {
            return null;
        }

        var worst = 0;
        for (var i = 1; i < _responses.Count - 1; i++)
        {
            if (_responses[i] < _responses[worst])
            {
                worst = i;
            }
        }

        return (worst, _responses[worst], _maxTicks[worst] * 1e6 / Stopwatch.Frequency);
    }
}
