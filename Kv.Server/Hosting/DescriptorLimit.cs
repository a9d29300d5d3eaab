using System.Runtime.InteropServices;
using Kv.Server.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Kv.Server.Hosting;

/// <summary>
/// The process's file descriptor limit (RLIMIT_NOFILE) against <see cref="KvServerOptions.MaxConnections"/>, as Redis
/// does with <c>maxclients</c>: at start the soft limit is raised, up to the hard one, to fit the connections plus a
/// reserve for what the process has open and what the server opens later (the log, the directory it fsyncs, refused
/// connections being told why); when it cannot be, the connection limit is lowered to fit and the log says so. So a flood of
/// connections meets <c>--max-connections</c> and its clear refusal, never a server out of descriptors.
/// </summary>
internal static class DescriptorLimit
{
    /// <summary>
    /// Descriptors kept free beyond one per connection and those the process has open when it starts listening (the
    /// runtime holds about a hundred: its assemblies, pipes, epoll): for refused connections being told why
    /// (<see cref="Networking.ConnectionServices.MaxLingeringRefusals"/>), the log and its compaction, the directory
    /// fsyncs, and what the runtime opens later.
    /// </summary>
    public const int Margin = 96;

    private const int RlimitNoFileLinux = 7;

    /// <summary>The connections the server can serve: the requested number, or fewer when descriptors do not allow it.</summary>
    public static int ResolveMaxConnections(int requested, ILogger logger)
    {
        if (!OperatingSystem.IsLinux() || getrlimit(RlimitNoFileLinux, out var limit) != 0)
        {
            return requested;
        }

        var reserve = OpenNow() + Margin;
        var wanted = (ulong)requested + (ulong)reserve;
        if (limit.Current < wanted && limit.Current < limit.Maximum)
        {
            var raised = limit with { Current = Math.Min(wanted, limit.Maximum) };
            if (setrlimit(RlimitNoFileLinux, in raised) == 0)
            {
                ServerLog.DescriptorLimitRaised(logger, limit.Current, raised.Current);
                limit = raised;
            }
        }

        if (limit.Current >= wanted)
        {
            return requested;
        }

        var fitting = (int)Math.Max(1, (long)limit.Current - reserve);
        ServerLog.MaxConnectionsLowered(logger, requested, fitting, limit.Current, reserve, wanted);
        return fitting;
    }

    // The descriptors open now, from /proc/self/fd (itself one while it is read).
    private static int OpenNow()
    {
        try
        {
            return Directory.GetFileSystemEntries("/proc/self/fd").Length;
        }
        catch (IOException)
        {
            return 128;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct ResourceLimit(ulong Current, ulong Maximum);

    [DllImport("libc", SetLastError = true)]
    private static extern int getrlimit(int resource, out ResourceLimit limit);

    [DllImport("libc", SetLastError = true)]
    private static extern int setrlimit(int resource, in ResourceLimit limit);
}
