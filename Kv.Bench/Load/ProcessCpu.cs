using System.Diagnostics;

namespace Kv.Bench.Load;

/// <summary>CPU time (user + system) of a process, from /proc/PID/stat on Linux.</summary>
internal static class ProcessCpu
{
    private static readonly long ClockTicksPerSecond = 100; // USER_HZ, 100 on every Linux architecture .NET runs on

    public static TimeSpan Read(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // Fields after the command name (which may hold spaces) start after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11]) + long.Parse(fields[12]); // utime, stime (fields 14 and 15 of the line)
        return TimeSpan.FromSeconds((double)ticks / ClockTicksPerSecond);
    }

    public static TimeSpan Self() => Process.GetCurrentProcess().TotalProcessorTime;
}
