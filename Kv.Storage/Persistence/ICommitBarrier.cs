namespace Kv.Storage.Persistence;

/// <summary>
/// What a network layer waits on before it acknowledges writes: the durability of everything the store applied so far,
/// without knowing what provides it (the append-only log is one).
/// </summary>
public interface ICommitBarrier
{
    /// <summary>
    /// Completes once every write the store applied before the call is acknowledged as the fsync policy promises: on disk
    /// under <c>always</c>; otherwise written to the operating system, on the caller's thread, before it completes. The
    /// continuation of a wait under <c>always</c> runs on the log's resumer thread (never on its writer), unless the caller
    /// awaits with a scheduler of its own.
    /// </summary>
    /// <param name="waiter">The caller's reusable waiter; one wait at a time per waiter.</param>
    /// <returns>
    /// <see cref="CommitOutcome.Acknowledged"/> to acknowledge; <see cref="CommitOutcome.NotDurable"/> when the log cannot
    /// write for now (a full disk); <see cref="CommitOutcome.Failed"/> when the log failed and nothing more may be
    /// acknowledged.
    /// </returns>
    ValueTask<CommitOutcome> WaitForCommitAsync(CommitWaiter waiter);

    /// <summary>
    /// The same promise kept on the caller's thread, for an event loop at the end of its turn: writes what was applied so
    /// far and, under <c>always</c>, fsyncs it, before returning (an fsync that another caller made meanwhile counts). A
    /// caller that uses this must say so first (<see cref="UseCallerCommits"/>).
    /// </summary>
    /// <returns>As <see cref="WaitForCommitAsync"/>.</returns>
    CommitOutcome Commit();

    /// <summary>
    /// Says that callers will commit themselves (<see cref="Commit"/>): writes no longer wake a thread of the log's own
    /// to write them. Call once, before the first write.
    /// </summary>
    void UseCallerCommits();
}
