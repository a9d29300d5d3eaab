using Kv.Bench.Load;

namespace Kv.Bench.Tests;

/// <summary>Each connection's keys: the distribution's draws inside the keyspace, and one-off scans outside it.</summary>
public class KeyStreamTests
{
    private const long Keys = 100_000;

    private static KeyPattern Pattern(double scanFraction = 0, KeyDistribution distribution = KeyDistribution.Zipf, int scanLength = 1000, int connections = 4, long seed = 9) =>
        new(Keys, distribution, 0.99, scanFraction, scanLength, connections, seed);

    private static long[] Draw(KeyStream stream, int count)
    {
        var ids = new long[count];
        for (var i = 0; i < count; i++)
        {
            ids[i] = stream.Next();
        }

        return ids;
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Without_scans_every_id_is_in_the_keyspace(bool zipf)
    {
        var distribution = zipf ? KeyDistribution.Zipf : KeyDistribution.Uniform;
        Draw(Pattern(distribution: distribution).Stream(0, 0), 200_000).Should().OnlyContain(id => id >= 0 && id < Keys);
    }

    [Test]
    public void The_hottest_key_is_rank_1_through_the_permutation_and_as_frequent_as_rank_1()
    {
        var pattern = Pattern();
        var ids = Draw(pattern.Stream(0, 0), 1_000_000);
        var hottest = ids.CountBy(id => id).MaxBy(pair => pair.Value);

        hottest.Key.Should().Be(pattern.Permutation.Map(0));
        var h = Enumerable.Range(1, (int)Keys).Reverse().Sum(k => Math.Pow(k, -0.99));
        ((double)hottest.Value / ids.Length).Should().BeApproximately(1 / h, 0.002);
    }

    [TestCase(0.2)]
    [TestCase(0.5)]
    [TestCase(0.05)]
    public void Scans_take_the_fraction_asked_for(double fraction)
    {
        var ids = Draw(Pattern(fraction).Stream(0, 0), 4_000_000);
        var scanned = ids.Count(id => id >= Keys);

        // 4,000,000 draws hold hundreds to thousands of scans: the share is within a few percent of the target.
        ((double)scanned / ids.Length).Should().BeApproximately(fraction, 0.1 * fraction);
    }

    [Test]
    public void A_scan_is_a_run_of_new_consecutive_keys_outside_the_keyspace_never_seen_again()
    {
        const int length = 1000;
        var ids = Draw(Pattern(0.2, scanLength: length).Stream(1, 0), 2_000_000);
        var scans = 0;
        var seen = new HashSet<long>();
        for (var i = 0; i < ids.Length;)
        {
            if (ids[i] < Keys)
            {
                i++;
                continue;
            }

            // A whole scan, unless the draws ended inside it.
            var run = 1;
            while (i + run < ids.Length && ids[i + run] == ids[i] + run)
            {
                run++;
            }

            if (i + run < ids.Length)
            {
                run.Should().Be(length);
            }

            for (var j = 0; j < run; j++)
            {
                seen.Add(ids[i + j]).Should().BeTrue("a scanned key is never asked for again");
            }

            scans++;
            i += run;
        }

        scans.Should().BeGreaterThan(100);
    }

    [Test]
    public void Connections_scan_different_keys()
    {
        var pattern = Pattern(0.5, connections: 3);
        var scanned = Enumerable.Range(0, 3).Select(c => Draw(pattern.Stream(c, 0), 300_000).Where(id => id >= Keys).ToHashSet()).ToArray();

        scanned.Should().OnlyContain(set => set.Count > 100_000);
        scanned[0].Overlaps(scanned[1]).Should().BeFalse();
        scanned[0].Overlaps(scanned[2]).Should().BeFalse();
        scanned[1].Overlaps(scanned[2]).Should().BeFalse();
    }

    [Test]
    public void All_scans_or_none()
    {
        Draw(Pattern(1).Stream(0, 0), 10_000).Should().OnlyContain(id => id >= Keys).And.OnlyHaveUniqueItems();
        Draw(Pattern(0).Stream(0, 0), 10_000).Should().OnlyContain(id => id < Keys);
    }

    [Test]
    public void The_same_seed_and_connection_replay_the_same_keys()
    {
        Draw(Pattern(0.2).Stream(2, 1), 50_000).Should().Equal(Draw(Pattern(0.2).Stream(2, 1), 50_000));
        Draw(Pattern(0.2).Stream(2, 1), 1000).Should().NotEqual(Draw(Pattern(0.2).Stream(3, 1), 1000), "each connection has its own stream");
        Draw(Pattern(0.2).Stream(2, 1), 1000).Should().NotEqual(Draw(Pattern(0.2, seed: 10).Stream(2, 1), 1000), "the seed changes the keys");
    }

    [Test]
    public void Scan_keys_stay_twelve_digits()
    {
        var pattern = Pattern(1, scanLength: 1_000_000, connections: 1);
        (pattern.KeyspaceSize + (pattern.ScanBlocks * pattern.ScanLength)).Should().BeLessThanOrEqualTo(Keyspace.Ids);
    }
}
