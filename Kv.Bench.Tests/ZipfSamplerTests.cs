using Kv.Bench.Load;

namespace Kv.Bench.Tests;

/// <summary>The Zipf sampler draws the distribution it claims, in range, and the same draws for the same seed.</summary>
public class ZipfSamplerTests
{
    // H(n, s) = sum of k^-s for k from 1 to n, the generalised harmonic number, summed exactly: P(k) = k^-s / H(n, s).
    private static double Harmonic(long n, double s)
    {
        var h = 0.0;
        for (var i = n; i >= 1; i--)
        {
            h += Math.Pow(i, -s); // smallest terms first, for the sum's accuracy
        }

        return h;
    }

    [TestCase(1000L, 0.99)]
    [TestCase(3_000_000L, 0.99)]
    [TestCase(1000L, 1.0)]
    [TestCase(1000L, 0.5)]
    [TestCase(100_000L, 1.5)]
    public void The_head_ranks_come_as_often_as_the_distribution_says(long n, double s)
    {
        const int draws = 1_000_000;
        var sampler = new ZipfSampler(n, s);
        var random = new SplitMix64(42);
        var counts = new long[11];
        for (var i = 0; i < draws; i++)
        {
            var k = sampler.Sample(ref random);
            if (k <= 10)
            {
                counts[k]++;
            }
        }

        // Each within 5 standard deviations of a binomial count: a wrong constant or an off-by-one rank moves rank 1
        // by far more (for n = 3,000,000 and s = 0.99, p1 = 0.0600 and sigma = 0.00024).
        var h = Harmonic(n, s);
        for (var k = 1; k <= 10; k++)
        {
            var p = Math.Pow(k, -s) / h;
            var sigma = Math.Sqrt(p * (1 - p) / draws);
            ((double)counts[k] / draws).Should().BeApproximately(p, 5 * sigma, $"rank {k} of {n} with s = {s}");
        }
    }

    [Test]
    public void Rank_1_of_3_million_keys_at_s_0_99_is_about_6_percent_of_draws()
    {
        // The figure the hit-ratio benchmark's trace rests on, written out: 1 / H(3,000,000, 0.99).
        (1 / Harmonic(3_000_000, 0.99)).Should().BeApproximately(0.0600, 0.0005);
    }

    [TestCase(1L)]
    [TestCase(2L)]
    [TestCase(7L)]
    [TestCase(1_000_000L)]
    public void Every_rank_is_from_1_to_n(long n)
    {
        var sampler = new ZipfSampler(n, 0.99);
        var random = new SplitMix64(7);
        long lowest = long.MaxValue, highest = long.MinValue;
        for (var i = 0; i < 200_000; i++)
        {
            var k = sampler.Sample(ref random);
            lowest = Math.Min(lowest, k);
            highest = Math.Max(highest, k);
        }

        lowest.Should().Be(1);
        highest.Should().BeLessThanOrEqualTo(n);
        if (n <= 7)
        {
            highest.Should().Be(n, "200,000 draws reach every rank of a small n");
        }
    }

    [Test]
    public void The_same_seed_gives_the_same_ranks_and_another_seed_others()
    {
        var sampler = new ZipfSampler(3_000_000, 0.99);
        Draw(sampler, 5).Should().Equal(Draw(sampler, 5));
        Draw(sampler, 5).Should().NotEqual(Draw(sampler, 6));
    }

    [Test]
    public void A_non_positive_exponent_is_refused()
    {
        FluentActions.Invoking(() => new ZipfSampler(10, 0)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => new ZipfSampler(10, double.NaN)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => new ZipfSampler(0, 1)).Should().Throw<ArgumentOutOfRangeException>();
    }

    private static long[] Draw(ZipfSampler sampler, ulong seed)
    {
        var random = new SplitMix64(seed);
        var ranks = new long[10_000];
        for (var i = 0; i < ranks.Length; i++)
        {
            ranks[i] = sampler.Sample(ref random);
        }

        return ranks;
    }
}
