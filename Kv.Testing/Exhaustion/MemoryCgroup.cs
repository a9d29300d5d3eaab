namespace Kv.Testing.Exhaustion;

/// <summary>
/// A memory cgroup of its own with a limit, as a container has: a process started in it (<see cref="ServerProcess"/>
/// with <see cref="Servers.ServerProcess.StartInCgroupAsync"/>) sees the limit as its memory, and the kernel's OOM killer
/// ends it if it goes past. Made under this process's own memory cgroup (version 1 or 2), removed on dispose. Needs
/// root and a writable cgroup file system; <see cref="TryCreate"/> says why when it cannot.
/// </summary>
public sealed class MemoryCgroup : IDisposable
{
    private readonly bool _version2;

    private MemoryCgroup(string path, bool version2)
    {
        Path = path;
        _version2 = version2;
    }

    /// <summary>The cgroup's directory; a process joins by writing its id to <c>cgroup.procs</c>.</summary>
    public string Path { get; }

    /// <summary>How many processes in it the OOM killer has ended.</summary>
    public long OomKills
    {
        get
        {
            var file = System.IO.Path.Combine(Path, _version2 ? "memory.events" : "memory.oom_control");
            foreach (var line in File.ReadLines(file))
            {
                var parts = line.Split(' ');
                if (parts.Length == 2 && parts[0] == "oom_kill")
                {
                    return long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
                }
            }

            return 0;
        }
    }

    /// <summary>The most memory its processes have used at once (version 1), or now (version 2), in bytes.</summary>
    public long PeakBytes => long.Parse(File.ReadAllText(System.IO.Path.Combine(Path, _version2 ? "memory.peak" : "memory.max_usage_in_bytes")).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Creates a cgroup limited to <paramref name="bytes"/>; false, with the reason, where that is not allowed.</summary>
    public static bool TryCreate(long bytes, out MemoryCgroup? cgroup, out string reason)
    {
        cgroup = null;
        try
        {
            var (root, own, version2) = FindOwn();
            var path = System.IO.Path.Combine(root + own, "kv-test-" + Guid.NewGuid().ToString("N")[..12]);
            Directory.CreateDirectory(path);
            File.WriteAllText(System.IO.Path.Combine(path, version2 ? "memory.max" : "memory.limit_in_bytes"), bytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
            cgroup = new MemoryCgroup(path, version2);
            reason = "";
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            reason = $"cannot make a memory cgroup here ({e.Message}); this test needs root and a writable cgroup file system";
            return false;
        }
    }

    public void Dispose()
    {
        // Its processes were ended by the test; a cgroup with none left can be removed.
        for (var attempt = 0; attempt < 50; attempt++)
        {
            try
            {
                Directory.Delete(Path);
                return;
            }
            catch (IOException)
            {
                Thread.Sleep(100);
            }
        }
    }

    // This process's memory cgroup: version 1's memory hierarchy if mounted, else the unified (version 2) one.
    private static (string Root, string Own, bool Version2) FindOwn()
    {
        string? v1 = null, v2 = null;
        foreach (var line in File.ReadLines("/proc/self/cgroup"))
        {
            var parts = line.Split(':', 3);
            if (parts.Length == 3 && parts[1].Split(',').Contains("memory"))
            {
                v1 = parts[2];
            }
            else if (parts.Length == 3 && parts[0] == "0" && parts[1].Length == 0)
            {
                v2 = parts[2];
            }
        }

        if (v1 is not null && Directory.Exists("/sys/fs/cgroup/memory"))
        {
            return ("/sys/fs/cgroup/memory", v1, false);
        }

        if (v2 is not null && File.Exists("/sys/fs/cgroup/cgroup.controllers"))
        {
            return ("/sys/fs/cgroup", v2, true);
        }

        throw new InvalidOperationException("no memory cgroup controller is mounted");
    }
}
