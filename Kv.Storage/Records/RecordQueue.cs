namespace Kv.Storage.Records;

/// <summary>
/// The two FIFO queues of pages that eviction works on (S3-FIFO's small and main queues, RecordPages.Eviction.cs).
/// Policies with one queue put everything in <see cref="Main"/>.
/// </summary>
internal enum RecordQueue : byte
{
    /// <summary>Where S3-FIFO puts new keys, for a short probation.</summary>
    Small = 0,

    /// <summary>Where keys that proved useful live; every key under the other policies.</summary>
    Main = 1,
}
