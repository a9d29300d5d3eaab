namespace Kv.LoadTests.Infrastructure;

/// <summary>The process's open-file limit, which bounds how many sockets a test can open.</summary>
internal static class OpenFiles
{
    /// <summary>The soft limit on open files (from /proc/self/limits); <see cref="long.MaxValue"/> when unlimited or unknown.</summary>
    public static long SoftLimit()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/limits"))
            {
                if (line.StartsWith("Max open files", StringComparison.Ordinal))
                {
                    var soft = line["Max open files".Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                    return long.TryParse(soft, out var value) ? value : long.MaxValue;
                }
            }
        }
        catch (IOException)
        {
        }

        return long.MaxValue;
    }

    /// <summary>Skips the test, saying why, when the limit is below what it needs (.ci/run raises it with ulimit -n).</summary>
    public static void Require(long needed)
    {
        var limit = SoftLimit();
        if (limit < needed)
        {
            Assert.Ignore($"This test needs {needed} open files and the limit is {limit}: raise it first (ulimit -n 65536), as .ci/run does.");
        }
    }
}
