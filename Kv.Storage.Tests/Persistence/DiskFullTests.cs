using System.Text;
using Kv.Storage.Persistence;
using Kv.Testing.Exhaustion;

namespace Kv.Storage.Tests.Persistence;

/// <summary>
/// The log on a disk that fills up for real (a small tmpfs): writes are refused while reads go on, no acknowledged write
/// is lost, writes resume by themselves once space is freed, and a compaction that runs out of space gives up cleanly.
/// </summary>
[NonParallelizable]
public class DiskFullTests
{
    private const long FileSystemSize = 4L * 1024 * 1024;

    private SmallFileSystem _disk = null!;
    private string _directory = null!;

    [SetUp]
    public void SetUp()
    {
        if (!SmallFileSystem.TryMount(FileSystemSize, out var disk, out var reason))
        {
            Assert.Ignore(reason);
        }

        _disk = disk!;
        _directory = Path.Combine(_disk.Path, "data");
    }

    [TearDown]
    public void TearDown() => _disk?.Dispose();

    [Test]
    public async Task A_full_disk_refuses_writes_keeps_reads_and_loses_no_acknowledged_write(
        [Values(FsyncPolicy.Always, FsyncPolicy.EverySecond)] FsyncPolicy policy,
        [Values(false, true)] bool callerCommits)
    {
        var acknowledged = new Dictionary<string, byte[]>();
        using (var harness = new LogHarness(_directory, policy))
        {
            if (callerCommits)
            {
                harness.Log.UseCallerCommits();
            }

            _disk.Fill(leaveFree: 256 * 1024);
            var refusedInARow = 0;
            for (var i = 0; refusedInARow < 20; i++)
            {
                i.Should().BeLessThan(10_000, "the disk fills up long before");
                var key = Encoding.UTF8.GetBytes($"k{i}");
                var value = Encoding.UTF8.GetBytes(new string((char)('a' + (i % 26)), 2048));
                var outcome = await TrySetAsync(harness, key, value, callerCommits);
                if (outcome == CommitOutcome.Acknowledged)
                {
                    acknowledged[$"k{i}"] = value;
                    refusedInARow = 0;
                }
                else
                {
                    outcome.Should().Be(CommitOutcome.NotDurable);
                    refusedInARow++;
                }
            }

            harness.Log.IsDiskFull.Should().BeTrue();
            harness.Log.IsFailed.Should().BeFalse("a full disk is not a failure of the log");
            harness.Store.WritesRefusedReason.Should().Contain("disk is full");
            acknowledged.Should().NotBeEmpty();
            foreach (var (key, value) in acknowledged)
            {
                harness.Store.Read(Encoding.UTF8.GetBytes(key)).Should().Equal(value, "reads go on");
            }

            _disk.Free();
            (await Kv.Testing.Waiting.UntilAsync(() => !harness.Log.IsDiskFull, TimeSpan.FromSeconds(10))).Should().BeTrue("writes resume by themselves");
            harness.Store.WritesRefusedReason.Should().BeNull();
            for (var i = 0; i < 10; i++)
            {
                var value = Encoding.UTF8.GetBytes($"after-{i}");
                (await TrySetAsync(harness, Encoding.UTF8.GetBytes($"after-{i}"), value, callerCommits)).Should().Be(CommitOutcome.Acknowledged);
                acknowledged[$"after-{i}"] = value;
            }
        }

        var recovered = LogFiles.Recover(_directory).Contents;
        foreach (var (key, value) in LogFiles.Contents(acknowledged))
        {
            recovered.Should().ContainKey(key).WhoseValue.Should().Be(value, "an acknowledged write survives the full disk and the restart");
        }
    }

    [Test]
    public async Task A_log_reopened_on_a_full_disk_serves_reads_and_refuses_writes_until_there_is_room()
    {
        using (var harness = new LogHarness(_directory, FsyncPolicy.Always))
        {
            (await harness.SetAsync("kept", "value", new CommitWaiter())).Should().BeTrue();
        }

        _disk.Fill(leaveFree: 0);
        using var reopened = new LogHarness(_directory, FsyncPolicy.Always);
        reopened.Log.UseCallerCommits();
        reopened.Store.Read("kept"u8).Should().Equal("value"u8.ToArray());

        // The first write finds out (and is not acknowledged); the next ones are refused before they are applied.
        (await TrySetAsync(reopened, "new"u8.ToArray(), new byte[8192], callerCommits: true)).Should().Be(CommitOutcome.NotDurable);
        (await TrySetAsync(reopened, "newer"u8.ToArray(), new byte[10], callerCommits: true)).Should().Be(CommitOutcome.NotDurable);
        reopened.Store.Read("newer"u8).Should().BeNull("a refused write is not applied");
        reopened.Store.Read("kept"u8).Should().Equal("value"u8.ToArray());

        _disk.Free();
        (await Kv.Testing.Waiting.UntilAsync(() => !reopened.Log.IsDiskFull, TimeSpan.FromSeconds(10))).Should().BeTrue();
        (await TrySetAsync(reopened, "newest"u8.ToArray(), "v"u8.ToArray(), callerCommits: true)).Should().Be(CommitOutcome.Acknowledged);
    }

    [Test]
    public async Task A_compaction_that_runs_out_of_space_gives_up_removes_its_copy_and_the_log_goes_on()
    {
        using var harness = new LogHarness(_directory, FsyncPolicy.Always);
        var waiter = new CommitWaiter();
        var value = new string('v', 4096);
        for (var i = 0; i < 200; i++)
        {
            (await harness.SetAsync($"live-{i}", value, waiter)).Should().BeTrue();
        }

        // The copy needs about as much as the live data (800 KB); leave it less, but enough for the log's own appends.
        _disk.Fill(leaveFree: 400 * 1024);
        var compaction = () => harness.Log.CompactAsync();
        await compaction.Should().ThrowAsync<IOException>();

        File.Exists(Path.Combine(_directory, AppendOnlyLog.TempFileName)).Should().BeFalse("the partial copy is deleted");
        harness.Log.IsFailed.Should().BeFalse();
        harness.Log.CompactionCount.Should().Be(0);
        (await harness.SetAsync("after", "x", waiter)).Should().BeTrue("the space the copy took is back");
        harness.Dispose();
        LogFiles.Recover(_directory).Contents.Should().HaveCount(201);
    }

    [Test]
    public async Task An_fsync_that_fails_with_no_space_fails_the_log_and_is_not_retried_as_a_full_disk()
    {
        using var harness = new LogHarness(_directory, FsyncPolicy.Always);
        (await harness.SetAsync("before", "1", new CommitWaiter())).Should().BeTrue();

        // NFS and thin volumes can report ENOSPC from fsync: the dirty pages may be gone, so it is a failure, not a wait.
        harness.Log.IoFault = step =>
        {
            if (step == "sync")
            {
                throw new IOException("No space left on device", 28);
            }
        };
        (await harness.SetAsync("after", "2", new CommitWaiter())).Should().BeFalse("nothing after a failed fsync is acknowledged");
        harness.Log.IsFailed.Should().BeTrue();
        harness.Log.IsDiskFull.Should().BeFalse();
    }

    private static async ValueTask<CommitOutcome> TrySetAsync(LogHarness harness, byte[] key, byte[] value, bool callerCommits)
    {
        try
        {
            harness.Store.Set(key, value);
        }
        catch (StoreWriteRefusedException)
        {
            return CommitOutcome.NotDurable;
        }

        return callerCommits ? harness.Log.Commit() : await harness.Log.WaitForCommitAsync(new CommitWaiter());
    }
}
