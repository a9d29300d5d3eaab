using System.Runtime.InteropServices;

namespace Kv.Fuzz;

/// <summary>Runs saved inputs (a crash, a corpus) through a harness without AFL, reporting each failure.</summary>
public static class Replay
{
    private const int CoverageMapSize = 1 << 16;

    public static int Run(string name, Action<byte[]> harness, IEnumerable<string> paths)
    {
        ProvideCoverageMap();
        var files = paths.SelectMany<string, string>(p => Directory.Exists(p)
            ? Directory.EnumerateFiles(p).Where(f => !Path.GetFileName(f).StartsWith('.') && !f.EndsWith("README.txt", StringComparison.Ordinal)).Order(StringComparer.Ordinal)
            : [p]).ToList();
        var failed = 0;
        foreach (var file in files)
        {
            try
            {
                harness(File.ReadAllBytes(file));
            }
            catch (Exception e)
            {
                failed++;
                Console.Error.WriteLine($"FAIL {file}: {e}");
            }
        }

        Console.WriteLine($"{name}: {files.Count} input(s) replayed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    // Instrumented assemblies count branches into AFL's shared memory, which exists only under afl-fuzz: give them a
    // scratch map, so that the instrumented build replays inputs just like the plain one.
    internal static unsafe void ProvideCoverageMap()
    {
        if (SharpFuzz.Common.Trace.SharedMem == null)
        {
            SharpFuzz.Common.Trace.SharedMem = (byte*)NativeMemory.AllocZeroed(CoverageMapSize);
        }
    }
}
