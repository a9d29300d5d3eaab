using System.Diagnostics.CodeAnalysis;
using Kv.Fuzz.Harnesses;

namespace Kv.Fuzz;

/// <summary>The harnesses by the name given on the command line.</summary>
public static class HarnessCatalog
{
    public static IReadOnlyDictionary<string, Action<byte[]>> All { get; } = new Dictionary<string, Action<byte[]>>
    {
        ["commands"] = CommandHarness.Run,
        ["responses"] = ResponseHarness.Run,
        ["connection"] = ConnectionHarness.Run,
        ["auth-connection"] = ConnectionHarness.RunAuthenticated,
    };

    public static bool TryGet(string name, [NotNullWhen(true)] out Action<byte[]>? harness) => All.TryGetValue(name, out harness);
}
