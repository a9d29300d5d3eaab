namespace Kv.Storage.Persistence;

/// <summary>When the append-only log is flushed to disk: Redis's <c>appendfsync</c> choices, with the same promises.</summary>
public enum FsyncPolicy
{
    /// <summary>
    /// <c>always</c>: a response is sent only once the log holds every write it depends on on disk (fsynced).
    /// Writes from all connections share each fsync (group commit).
    /// </summary>
    Always,

    /// <summary><c>everysec</c>: the log is written at once and fsynced about once a second; a crash of the machine loses at most about a second of writes.</summary>
    EverySecond,

    /// <summary><c>no</c>: the log is written at once and never fsynced; the operating system decides when it reaches the disk.</summary>
    No,
}
