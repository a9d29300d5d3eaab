using System.Text;
using Kv.Storage.Persistence;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kv.Storage.Tests.Persistence;

/// <summary>The log as the server uses it: acknowledgements per policy, group commit, failures, the directory lock.</summary>
public class AppendOnlyLogTests
{
    private string _directory = null!;

    [SetUp]
    public void SetUp() => _directory = LogFiles.NewDirectory();

    [TearDown]
    public void TearDown() => LogFiles.DeleteDirectory(_directory);

    [Test]
    public async Task Under_always_an_acknowledged_write_is_fsynced_and_replays_after_a_restart()
    {
        var model = new Dictionary<string, byte[]>();
        var random = new Random(1);
        using (var harness = new LogHarness(_directory))
        {
            var waiter = new CommitWaiter();
            for (var i = 0; i < 300; i++)
            {
                var key = $"k{random.Next(40)}";
                if (random.Next(4) == 0)
                {
                    (await harness.ClearAsync(key, waiter)).Should().BeTrue();
                    model.Remove(key);
                }
                else
                {
                    var value = new string((char)('a' + random.Next(26)), random.Next(0, 200));
                    (await harness.SetAsync(key, value, waiter)).Should().BeTrue();
                    model[key] = Encoding.UTF8.GetBytes(value);
                }

                harness.Log.DurablePosition.Should().Be(harness.Log.AppendedPosition, "acknowledged means fsynced under always");
            }
        }

        LogFiles.Recover(_directory).Contents.Should().BeEquivalentTo(LogFiles.Contents(model));
    }

    [Test]
    public async Task Concurrent_writers_share_fsyncs()
    {
        const int writers = 50;
        const int writesEach = 40;
        using var harness = new LogHarness(_directory);
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var waiter = new CommitWaiter();
            for (var i = 0; i < writesEach; i++)
            {
                (await harness.SetAsync($"w{w}", $"{i}", waiter)).Should().BeTrue();
            }
        })));

        harness.Log.SyncCount.Should().BeLessThan(writers * writesEach / 2, "writes from many connections share one fsync");
        harness.Log.SyncCount.Should().BePositive();
        harness.Dispose();
        LogFiles.Recover(_directory).Contents.Should().HaveCount(writers).And.ContainValue(Convert.ToHexString("39"u8));
    }

    [Test]
    public async Task Under_everysec_a_write_is_acknowledged_at_once_and_fsynced_within_about_a_second()
    {
        using var harness = new LogHarness(_directory, FsyncPolicy.EverySecond);
        var waiter = new CommitWaiter();
        var acknowledged = harness.SetAsync("k", "v", waiter);
        acknowledged.IsCompletedSuccessfully.Should().BeTrue("everysec does not wait for the disk");
        (await acknowledged).Should().BeTrue();
        var position = harness.Log.AppendedPosition;
        var deadline = DateTime.UtcNow.AddSeconds(2.5);
        while (harness.Log.DurablePosition < position && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        harness.Log.DurablePosition.Should().BeGreaterThanOrEqualTo(position);
        harness.Log.SyncCount.Should().BeInRange(1, 2);
    }

    [Test]
    public async Task Under_no_the_log_is_written_at_once_but_fsynced_only_when_closed()
    {
        var harness = new LogHarness(_directory, FsyncPolicy.No);
        var waiter = new CommitWaiter();
        for (var i = 0; i < 100; i++)
        {
            (await harness.SetAsync($"k{i}", "v", waiter)).Should().BeTrue();
        }

        await harness.Log.WaitWrittenAsync();
        new FileInfo(LogFiles.LogPath(_directory)).Length.Should().Be(harness.Log.AppendedPosition, "written to the OS, as a crash of the process would leave it");
        harness.Log.SyncCount.Should().Be(0);
        harness.Dispose();
        harness.Log.SyncCount.Should().Be(1, "a graceful close fsyncs whatever the policy");
        LogFiles.Recover(_directory).Contents.Should().HaveCount(100);
    }

    [TestCase("write")]
    [TestCase("sync")]
    public async Task A_failed_write_or_fsync_acknowledges_nothing_more_refuses_writes_and_says_so(string failing)
    {
        using var harness = new LogHarness(_directory);
        var waiter = new CommitWaiter();
        (await harness.SetAsync("before", "1", waiter)).Should().BeTrue();
        harness.Log.IoFault = operation =>
        {
            if (operation == failing)
            {
                throw new IOException("simulated: no space left on device");
            }
        };

        (await harness.SetAsync("after", "2", waiter)).Should().BeFalse("the write did not reach the disk");
        harness.Log.IsFailed.Should().BeTrue();
        await harness.Log.Failed.WaitAsync(TimeSpan.FromSeconds(5));
        (await harness.SetAsync("later", "3", waiter)).Should().BeFalse();
        harness.Dispose();
        LogFiles.Recover(_directory).Contents.Should().ContainKey(Convert.ToHexString("before"u8)).And.NotContainKey(Convert.ToHexString("later"u8));
    }

    [Test]
    public void A_second_server_cannot_use_the_same_directory()
    {
        using var first = new LogHarness(_directory);
        var second = () => new LogHarness(_directory);
        second.Should().Throw<IOException>().WithMessage("*in use by another Kv server*");
    }

    [Test]
    public async Task A_missing_data_directory_is_created_with_its_missing_parents_and_holds_the_log()
    {
        var nested = Path.Combine(_directory, "a", "b", "data");
        using (var harness = new LogHarness(nested))
        {
            (await harness.SetAsync("k", "v", new CommitWaiter())).Should().BeTrue();
        }

        File.Exists(LogFiles.LogPath(nested)).Should().BeTrue();
        LogFiles.Recover(nested).Contents.Should().HaveCount(1);
    }

    [Test]
    public void A_leftover_temporary_file_is_removed_at_start()
    {
        using (var harness = new LogHarness(_directory))
        {
            harness.Store.Set("k"u8, "v"u8);
        }

        var temp = Path.Combine(_directory, AppendOnlyLog.TempFileName);
        File.WriteAllBytes(temp, [1, 2, 3, 4, 5]);
        LogFiles.Recover(_directory).Contents.Should().HaveCount(1);
        File.Exists(temp).Should().BeFalse();
    }

    [Test]
    public async Task Every_write_the_store_applies_is_logged_whoever_makes_it()
    {
        // The log observes the store: a write made straight on the store, with no command around it, is logged too.
        using (var harness = new LogHarness(_directory))
        {
            harness.Store.Set("straight"u8, "v"u8);
            (await harness.SetAsync("through-a-command", "v", new CommitWaiter())).Should().BeTrue();
        }

        LogFiles.Recover(_directory).Contents.Keys.Should().BeEquivalentTo(Convert.ToHexString("straight"u8), Convert.ToHexString("through-a-command"u8));
    }

    [Test]
    public void A_store_takes_one_observer()
    {
        using var harness = new LogHarness(_directory);
        var second = () => AppendOnlyLog.Open(new PersistenceOptions { DataDirectory = LogFiles.NewDirectory() }, harness.Store, NullLogger.Instance);
        second.Should().Throw<InvalidOperationException>().WithMessage("*observer*");
    }

    [Test]
    public void Open_refuses_bad_options()
    {
        var open = () => AppendOnlyLog.Open(new PersistenceOptions { DataDirectory = _directory, CompactionRatio = 0.5 }, new Kv.Storage.MemoryStore(), NullLogger.Instance);
        open.Should().Throw<ArgumentException>().WithMessage("*--compaction-ratio*");
    }
}
