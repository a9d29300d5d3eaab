namespace Kv.Bench.Load;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood, OOPSLA 2014): one word of state, a few multiplies per number, and the same
/// sequence for a seed on every platform and .NET version, which is what a replayable key stream needs. A struct, kept
/// in a field of its owner and passed by reference, so drawing a number touches no other object.
/// </summary>
internal struct SplitMix64(ulong seed)
{
    private const ulong Gamma = 0x9E3779B97F4A7C15;

    private ulong _state = seed;

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64() => Mix(_state += Gamma);

    /// <summary>A number in [0, 1), from the top 53 bits (a double's precision).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>
    /// A number in [0, <paramref name="bound"/>) for a positive bound: the high half of a 64 x 64-bit product (Lemire's
    /// method without the rejection step; its bias, below bound / 2^64, is far below anything a benchmark can see).
    /// </summary>
    public long NextInt64(long bound) => (long)Math.BigMul(NextUInt64(), (ulong)bound, out _);

    /// <summary>SplitMix64's finaliser: a bijective mix of 64 bits, also used to derive seeds from seeds.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }

    /// <summary>A seed for one stream of a run: distinct streams get unrelated seeds, the same stream the same one.</summary>
    public static ulong Derive(long seed, long stream, long salt) =>
        Mix(Mix(Mix((ulong)seed + Gamma) ^ (ulong)stream) + ((ulong)salt * Gamma));
}
