namespace Kv.Bench.Load;

/// <summary>How the keys of a run are drawn from the keyspace (<c>--distribution</c>).</summary>
internal enum KeyDistribution
{
    /// <summary>Every key equally likely.</summary>
    Uniform,

    /// <summary>Key of rank k drawn with probability proportional to 1 / k^s (<c>--zipf s</c>), ranks scattered over the keys.</summary>
    Zipf,
}
