namespace Kv.Storage.Persistence;

/// <summary>
/// The points a compaction passes, in order; a test hook runs at each to interrupt it there (docs/persistence.md
/// says why a crash at each leaves a log that replays to the right state).
/// </summary>
internal enum CompactionStep
{
    /// <summary>The temporary file exists, with its header.</summary>
    TempCreated,

    /// <summary>Every stripe of the store is copied into the temporary file.</summary>
    SnapshotWritten,

    /// <summary>The records appended since the compaction began are copied from the old log, up to a recent point.</summary>
    CaughtUp,

    /// <summary>The temporary file is fsynced (twice: after the catch-up, and after copying what came during that fsync).</summary>
    TempSynced,

    /// <summary>The writer has added the last records and fsynced the temporary file again; appends are held.</summary>
    FinalWritten,

    /// <summary>The temporary file is renamed over the log; the directory is not fsynced yet.</summary>
    Renamed,

    /// <summary>The directory is fsynced: the new log is the log.</summary>
    DirectorySynced,
}
