namespace Kv.Storage.Persistence;

/// <summary>What a commit (<see cref="ICommitBarrier"/>) says of the writes it covers.</summary>
public enum CommitOutcome
{
    /// <summary>Durable as the fsync policy promises: acknowledge them.</summary>
    Acknowledged,

    /// <summary>
    /// Not durable now, but the log goes on: it could not write them (the disk is full), keeps them and retries, and
    /// refuses new writes meanwhile. Do not acknowledge them; they are applied in memory and may yet reach the disk.
    /// </summary>
    NotDurable,

    /// <summary>The log failed (a write or fsync error other than a full disk): nothing more is acknowledged, ever.</summary>
    Failed,
}
