using System.Text;
using Kv.Storage.Persistence;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kv.Storage.Tests.Persistence;

/// <summary>
/// A store with its log open in a temporary directory, written as the SET and CLEAR commands do: the write goes to
/// the store (which tells its log), then the writer awaits the acknowledgement a connection would.
/// </summary>
internal sealed class LogHarness : IDisposable
{
    public LogHarness(string directory, FsyncPolicy policy = FsyncPolicy.Always, long compactionMinBytes = long.MaxValue, double compactionRatio = 0)
    {
        Directory = directory;
        Store = new MemoryStore();
        Log = AppendOnlyLog.Open(
            new PersistenceOptions { DataDirectory = directory, Fsync = policy, CompactionMinBytes = compactionMinBytes, CompactionRatio = compactionRatio },
            Store,
            NullLogger.Instance);
    }

    public string Directory { get; }

    public MemoryStore Store { get; }

    public AppendOnlyLog Log { get; }

    /// <summary>SET, then wait as a connection would; returns true when acknowledged.</summary>
    public ValueTask<bool> SetAsync(string key, string value, CommitWaiter waiter) => SetAsync(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value), waiter);

    public async ValueTask<bool> SetAsync(byte[] key, byte[] value, CommitWaiter waiter) =>
        await SetOutcomeAsync(key, value, waiter) == CommitOutcome.Acknowledged;

    /// <summary>SET, then wait as a connection would; returns what the log said.</summary>
    public ValueTask<CommitOutcome> SetOutcomeAsync(byte[] key, byte[] value, CommitWaiter waiter)
    {
        Store.Set(key, value);
        return Log.WaitForCommitAsync(waiter);
    }

    /// <summary>CLEAR, then wait as a connection would; returns true when acknowledged.</summary>
    public async ValueTask<bool> ClearAsync(string key, CommitWaiter waiter)
    {
        Store.Remove(Encoding.UTF8.GetBytes(key));
        return await Log.WaitForCommitAsync(waiter) == CommitOutcome.Acknowledged;
    }

    public void Dispose()
    {
        Log.Dispose();
        Store.Dispose();
    }
}
