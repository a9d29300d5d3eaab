using System.Numerics;

namespace Kv.Bench.Load;

/// <summary>
/// A bijection of 0 to n - 1 onto itself that scatters neighbours, keyed by the run's seed. The Zipf ranks go through it,
/// so that the hottest keys are spread over the keyspace instead of being keys 0, 1, 2, ..., side by side in anything
/// ordered by key and sharing all but their last digits. It mixes on the smallest power of two that holds n (every step
/// is invertible modulo 2^b: adding a constant, multiplying by an odd one, x ^= x >> s) and walks the cycle until it
/// lands below n, which takes under two steps on average because 2^b is less than 2n.
/// </summary>
internal sealed class KeyPermutation
{
    private readonly long _n;
    private readonly ulong _mask;
    private readonly int _shift;
    private readonly ulong _offset;

    public KeyPermutation(long n, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        _n = n;
        var bits = n == 1 ? 0 : 64 - BitOperations.LeadingZeroCount((ulong)(n - 1));
        _mask = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
        _shift = Math.Max(1, (bits + 1) / 2);
        _offset = SplitMix64.Mix(seed) & _mask;
    }

    /// <summary>Where <paramref name="x"/>, from 0 to n - 1, goes: a different number in the same range for each x.</summary>
    public long Map(long x)
    {
        var y = (ulong)x;
        do
        {
            y = Mix(y);
        }
        while (y >= (ulong)_n);

        return (long)y;
    }

    private ulong Mix(ulong x)
    {
        x = (x + _offset) & _mask;
        x ^= x >> _shift;
        x = (x * 0xBF58476D1CE4E5B9) & _mask;
        x ^= x >> _shift;
        x = (x * 0x94D049BB133111EB) & _mask;
        return x ^ (x >> _shift);
    }
}
