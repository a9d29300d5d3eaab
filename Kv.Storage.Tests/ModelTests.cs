using System.Text;
using CsCheck;

namespace Kv.Storage.Tests;

/// <summary>
/// The store against a dictionary: random sequences of sets, removals and reads (values small, a page of their own, and
/// larger than a page; a small keyspace so keys come back), one stripe so that resizes and compaction run often, and
/// resizes of one slot per write so that most operations meet one half done. CsCheck shrinks a failure to the shortest
/// sequence and prints it.
/// </summary>
public class ModelTests
{
    private static readonly Gen<string> Keys = Gen.Int[0, 150].Select(i => $"k{i}");

    private static readonly Gen<byte[]> Values = Gen.Frequency(
        (8, Gen.Byte.Array[0, 80]),
        (1, Gen.Int[17_000, 70_000].Select(n => Enumerable.Repeat((byte)(n % 251), n).ToArray())),
        (1, Gen.Int[70_000, 200_000].Select(n => Enumerable.Repeat((byte)(n % 241), n).ToArray())));

    private static readonly GenOperation<MemoryStore, Dictionary<string, byte[]>> Set = Gen.Select(Keys, Values).Operation<MemoryStore, Dictionary<string, byte[]>>(
        t => $"Set({t.Item1}, {t.Item2.Length} bytes)",
        (store, t) => store.Set(Encoding.UTF8.GetBytes(t.Item1), t.Item2),
        (model, t) => model[t.Item1] = t.Item2);

    private static readonly GenOperation<MemoryStore, Dictionary<string, byte[]>> Remove = Keys.Operation<MemoryStore, Dictionary<string, byte[]>>(
        k => $"Remove({k})",
        (store, k) => store.Remove(Encoding.UTF8.GetBytes(k)),
        (model, k) => model.Remove(k));

    [Test]
    public void Sequences_of_operations_match_a_dictionary([Values(1, 32)] int resizeStep)
    {
        var initial = Gen.Const(() => (Stores.Create(resizeStep: resizeStep), new Dictionary<string, byte[]>()));
        var maintain = Gen.Const(0).Operation<MemoryStore, Dictionary<string, byte[]>>(
            _ => "Maintain()",
            (store, _) => store.Maintain(),
            (_, _) => { });
        Check.SampleModelBased(initial, Set, Set, Set, Remove, maintain, equal: Matches, iter: 1000, threads: 1);
    }

    [Test]
    public void Concurrent_operations_are_linearizable()
    {
        var initial = Gen.Const(() => (Stores.Create(stripes: 2, resizeStep: 1), new Dictionary<string, byte[]>()));
        Check.SampleParallel(initial, Set, Remove, equal: Matches, iter: 300, threads: 1);
    }

    // The stores are not disposed here (a parallel sample compares one store with several models): their memory is
    // returned when they are finalized.
    private static bool Matches(MemoryStore store, Dictionary<string, byte[]> model) =>
        store.Count == model.Count && model.All(pair => store.Read(Encoding.UTF8.GetBytes(pair.Key)) is { } value && value.AsSpan().SequenceEqual(pair.Value));
}
