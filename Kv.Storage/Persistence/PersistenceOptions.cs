using System.Globalization;

namespace Kv.Storage.Persistence;

/// <summary>
/// Where and how a store's append-only log is kept (<see cref="AppendOnlyLog"/>); in Kv.Server, persistence is on when
/// <c>--data-dir</c> is given. <c>docs/persistence.md</c> describes the format and the promises.
/// </summary>
public sealed record PersistenceOptions
{
    /// <summary>The default smallest log worth compacting: 64 MiB, as Redis's <c>auto-aof-rewrite-min-size</c>.</summary>
    public const long DefaultCompactionMinBytes = 64L * 1024 * 1024;

    /// <summary>The directory holding the log (created if missing). One server at a time may use it.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>When the log is flushed to disk. Default <see cref="FsyncPolicy.EverySecond"/>, as Redis.</summary>
    public FsyncPolicy Fsync { get; init; } = FsyncPolicy.EverySecond;

    /// <summary>The log is compacted only once it is at least this large. Default 64 MiB.</summary>
    public long CompactionMinBytes { get; init; } = DefaultCompactionMinBytes;

    /// <summary>
    /// The log is compacted once it is this many times the size the live data would take in it (and at least
    /// <see cref="CompactionMinBytes"/>). Default 2; 0 turns automatic compaction off.
    /// </summary>
    public double CompactionRatio { get; init; } = 2;

    /// <summary>Parses <c>always</c>, <c>everysec</c> or <c>no</c> (any case), as Redis's <c>appendfsync</c>.</summary>
    /// <exception cref="ArgumentException">Anything else.</exception>
    public static FsyncPolicy ParseFsync(string text) => text.ToLowerInvariant() switch
    {
        "always" => FsyncPolicy.Always,
        "everysec" => FsyncPolicy.EverySecond,
        "no" => FsyncPolicy.No,
        _ => throw new ArgumentException($"--fsync must be always, everysec or no, not '{text}'."),
    };

    /// <summary>The option's spelling of a policy: <c>always</c>, <c>everysec</c> or <c>no</c>.</summary>
    public static string FormatFsync(FsyncPolicy policy) => policy switch
    {
        FsyncPolicy.Always => "always",
        FsyncPolicy.EverySecond => "everysec",
        FsyncPolicy.No => "no",
        _ => policy.ToString(),
    };

    /// <summary>Checks the options, throwing <see cref="ArgumentException"/> naming the first bad one.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(DataDirectory))
        {
            throw new ArgumentException("--data-dir must name a directory.");
        }

        if (!Enum.IsDefined(Fsync))
        {
            throw new ArgumentException($"--fsync must be always, everysec or no, not {Fsync}.");
        }

        if (CompactionMinBytes < 0)
        {
            throw new ArgumentException($"--compaction-min-bytes must not be negative, not {CompactionMinBytes}.");
        }

        if (!double.IsFinite(CompactionRatio) || (CompactionRatio != 0 && CompactionRatio <= 1))
        {
            throw new ArgumentException(
                $"--compaction-ratio must be more than 1, or 0 to turn compaction off, not {CompactionRatio.ToString(CultureInfo.InvariantCulture)}.");
        }
    }
}
