namespace Kv.Bench.Load;

/// <summary>
/// Zipf-distributed ranks 1 to n, P(k) proportional to 1 / k^s, by rejection-inversion (W. Hörmann and G. Derflinger,
/// "Rejection-inversion to generate variates from monotone discrete distributions", ACM TOMACS 6(3), 1996), in the form
/// Apache Commons RNG gives it: the hat's integral H(x) = (x^(1-s) - 1) / (1 - s), which has a limit at s = 1, so every
/// s above 0 works, 0.99 included. Constant time and memory: a table of the distribution over millions of keys would cost
/// tens of megabytes and a binary search per key; this costs a logarithm and an exponential per draw, and rejects rarely
/// (under 1% of draws for s = 0.99). Immutable: one sampler serves every connection, each with its own generator.
/// </summary>
internal sealed class ZipfSampler
{
    private readonly long _n;
    private readonly double _exponent;
    private readonly double _hIntegralX1;
    private readonly double _hIntegralN;
    private readonly double _squeeze;

    public ZipfSampler(long n, double exponent)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        if (!(exponent > 0) || double.IsInfinity(exponent))
        {
            throw new ArgumentOutOfRangeException(nameof(exponent), exponent, "The exponent must be a positive number.");
        }

        _n = n;
        _exponent = exponent;
        _hIntegralX1 = HIntegral(1.5) - 1;
        _hIntegralN = HIntegral(n + 0.5);
        _squeeze = 2 - HIntegralInverse(HIntegral(2.5) - H(2));
    }

    public long Count => _n;

    public double Exponent => _exponent;

    /// <summary>The next rank, from 1 (the most frequent) to <see cref="Count"/>.</summary>
    public long Sample(ref SplitMix64 random)
    {
        while (true)
        {
            // u is uniform in (H(1.5) - 1, H(n + 0.5)]; the inverse of the hat's integral maps it onto (0.5, n + 0.5].
            var u = _hIntegralN + (random.NextDouble() * (_hIntegralX1 - _hIntegralN));
            var x = HIntegralInverse(u);
            var k = Math.Clamp((long)(x + 0.5), 1, _n); // clamped: rounding can put x a hair outside

            // The first test is a cheap squeeze that accepts most draws; the second is the exact acceptance test. k = 1
            // always passes it (u >= H(1.5) - h(1) by construction).
            if (k - x <= _squeeze || u >= HIntegral(k + 0.5) - H(k))
            {
                return k;
            }
        }
    }

    // H(x) = (x^(1-s) - 1) / (1 - s), written so that it stays exact as s approaches 1.
    private double HIntegral(double x)
    {
        var logX = Math.Log(x);
        return ExpM1OverX((1 - _exponent) * logX) * logX;
    }

    // h(x) = x^-s, the hat.
    private double H(double x) => Math.Exp(-_exponent * Math.Log(x));

    // The inverse of H: (1 + x (1 - s))^(1 / (1 - s)).
    private double HIntegralInverse(double x)
    {
        // Rounding can take t below -1 for draws next to the top; -1 is its true bound.
        var t = Math.Max(x * (1 - _exponent), -1);
        return Math.Exp(Log1POverX(t) * x);
    }

    // log(1 + x) / x, with its limit 1 at 0. Goldberg's form keeps log(1 + x) exact for small x (.NET's double.LogP1 is
    // log(x + 1), which is not).
    private static double Log1POverX(double x)
    {
        if (Math.Abs(x) <= 1e-8)
        {
            return 1 - (x * (0.5 - (x * ((1.0 / 3) - (0.25 * x)))));
        }

        var u = 1 + x;
        return u == 1 ? 1 : Math.Log(u) / (u - 1);
    }

    // (e^x - 1) / x, with its limit 1 at 0; Kahan's form keeps e^x - 1 exact for small x.
    private static double ExpM1OverX(double x)
    {
        if (Math.Abs(x) <= 1e-8)
        {
            return 1 + (x * 0.5 * (1 + (x * (1.0 / 3) * (1 + (0.25 * x)))));
        }

        var u = Math.Exp(x);
        if (u == 1)
        {
            return 1;
        }

        var expm1 = u - 1;
        return expm1 == -1 ? -1 / x : expm1 / Math.Log(u);
    }
}
