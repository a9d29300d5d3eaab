using Kv.Bench.Load;

namespace Kv.Bench.Tests;

/// <summary>Ranks to key ids: a bijection that puts the hottest ranks far apart.</summary>
public class KeyPermutationTests
{
    [TestCase(1L)]
    [TestCase(2L)]
    [TestCase(3L)]
    [TestCase(1000L)]
    [TestCase(1023L)]
    [TestCase(1024L)]
    [TestCase(1025L)]
    [TestCase(65_537L)]
    public void Every_id_is_taken_exactly_once(long n)
    {
        var permutation = new KeyPermutation(n, 123);
        var seen = new bool[n];
        for (var x = 0L; x < n; x++)
        {
            var id = permutation.Map(x);
            id.Should().BeInRange(0, n - 1);
            seen[id].Should().BeFalse($"{id} is the image of one rank only");
            seen[id] = true;
        }
    }

    [Test]
    public void The_hottest_ranks_are_scattered_over_the_keyspace()
    {
        const long n = 3_000_000;
        var permutation = new KeyPermutation(n, 0);
        var hottest = Enumerable.Range(0, 100).Select(r => permutation.Map(r)).Order().ToArray();

        hottest.Zip(hottest.Skip(1), (a, b) => b - a).Should().OnlyContain(gap => gap > 1, "no two of the 100 hottest keys are neighbours");
        (hottest[^1] - hottest[0]).Should().BeGreaterThan(n / 2, "they spread over the keyspace");
        hottest.Count(id => id < n / 2).Should().BeInRange(30, 70, "about half fall in each half");
    }

    [Test]
    public void Another_seed_gives_another_permutation()
    {
        var a = new KeyPermutation(1_000_000, 1);
        var b = new KeyPermutation(1_000_000, 2);
        Enumerable.Range(0, 10).Select(r => a.Map(r)).Should().NotEqual(Enumerable.Range(0, 10).Select(r => b.Map(r)));
    }
}
