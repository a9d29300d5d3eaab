using Kv.Storage;

namespace Kv.Server.Hosting;

/// <summary>The names of the eviction policies on the command line: Redis's <c>maxmemory-policy</c> names, and <c>s3fifo</c>.</summary>
internal static class EvictionPolicyNames
{
    private static readonly (string Name, EvictionPolicy Policy)[] Names =
    [
        ("noeviction", EvictionPolicy.NoEviction),
        ("s3fifo", EvictionPolicy.S3Fifo),
        ("allkeys-lru", EvictionPolicy.AllKeysLru),
        ("volatile-lru", EvictionPolicy.VolatileLru),
        ("allkeys-random", EvictionPolicy.AllKeysRandom),
        ("volatile-random", EvictionPolicy.VolatileRandom),
        ("volatile-ttl", EvictionPolicy.VolatileTtl),
    ];

    /// <summary>Every name, in the order the help lists them.</summary>
    public static string[] All { get; } = Names.Select(pair => pair.Name).ToArray();

    public static EvictionPolicy Parse(string name) =>
        Names.FirstOrDefault(pair => string.Equals(pair.Name, name, StringComparison.OrdinalIgnoreCase)) is { Name: not null } found
            ? found.Policy
            : throw new ArgumentException($"Unknown eviction policy '{name}'; use one of {string.Join(", ", All)}.");

    public static string Format(EvictionPolicy policy) => Names.First(pair => pair.Policy == policy).Name;
}
