using System.Collections.Concurrent;
using System.Text;
using Kv.Storage.Persistence;

namespace Kv.Storage.Tests.Persistence;

/// <summary>Compaction: what it keeps, under concurrent writes, and interrupted at each of its steps.</summary>
public class CompactionTests
{
    private string _directory = null!;
    private readonly List<string> _copies = [];

    // Step names, not the internal enum, so that the test methods can be public.
    private static readonly string[] AllSteps = Enum.GetNames<CompactionStep>();

    [SetUp]
    public void SetUp() => _directory = LogFiles.NewDirectory();

    [TearDown]
    public void TearDown()
    {
        LogFiles.DeleteDirectory(_directory);
        _copies.ForEach(LogFiles.DeleteDirectory);
    }

    [Test]
    public async Task Compaction_rewrites_the_log_down_to_the_live_data_and_appends_go_on_after_it()
    {
        var model = new Dictionary<string, byte[]>();
        using (var harness = new LogHarness(_directory))
        {
            await Churn(harness, model, seed: 1, count: 3000);
            var before = harness.Log.FileLength;
            await harness.Log.CompactAsync();
            harness.Log.CompactionCount.Should().Be(1);
            harness.Log.FileLength.Should().BeLessThan(before / 4);
            new FileInfo(LogFiles.LogPath(_directory)).Length.Should().Be(harness.Log.FileLength);
            Directory.GetFiles(_directory).Select(Path.GetFileName).Should().BeEquivalentTo([AppendOnlyLog.FileName, AppendOnlyLog.LockFileName]);

            // Positions now map to the new file: later appends must land after the compacted records.
            await Churn(harness, model, seed: 2, count: 500);
            await harness.Log.CompactAsync();
            await Churn(harness, model, seed: 3, count: 500);
        }

        LogFiles.Recover(_directory).Contents.Should().BeEquivalentTo(LogFiles.Contents(model));
    }

    [Test]
    public async Task Compaction_under_concurrent_writers_loses_no_acknowledged_write([Values(FsyncPolicyName.Always, FsyncPolicyName.EverySecond)] FsyncPolicyName policy)
    {
        // Under everysec appends run ahead of the writer, so compactions start with records appended but not yet
        // written; several compactions in a row then check that positions still map to the right bytes.
        const int writers = 8;
        var acknowledged = new ConcurrentDictionary<string, string>();
        using (var harness = new LogHarness(_directory, policy == FsyncPolicyName.Always ? FsyncPolicy.Always : FsyncPolicy.EverySecond))
        {
            harness.Log.CompactionCatchUpSlack = 0; // make the compactor catch up itself, round after round
            using var stop = new CancellationTokenSource();
            var writing = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
            {
                var waiter = new CommitWaiter();
                var random = new Random(w);
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    if (i % 64 == 63)
                    {
                        // Under everysec nothing here waits: let the thread pool run the test's own continuations.
                        await Task.Yield();
                    }

                    // Each writer owns its keys, so the last acknowledged value per key is well defined.
                    var key = $"w{w}-{random.Next(50)}";
                    if (random.Next(5) == 0)
                    {
                        (await harness.ClearAsync(key, waiter)).Should().BeTrue();
                        acknowledged.TryRemove(key, out _);
                    }
                    else
                    {
                        var value = $"{i}:{new string('v', random.Next(100))}";
                        (await harness.SetAsync(key, value, waiter)).Should().BeTrue();
                        acknowledged[key] = value;
                    }
                }
            })).ToArray();

            for (var i = 0; i < 5; i++)
            {
                await Task.Delay(40);
                await harness.Log.CompactAsync();
            }

            await stop.CancelAsync();
            await Task.WhenAll(writing);
            harness.Log.CompactionCount.Should().Be(5);
        }

        LogFiles.Recover(_directory).Contents.Should().BeEquivalentTo(
            acknowledged.ToDictionary(e => Convert.ToHexString(Encoding.UTF8.GetBytes(e.Key)), e => Convert.ToHexString(Encoding.UTF8.GetBytes(e.Value))));
    }

    [Test]
    public async Task A_compaction_that_begins_with_appends_not_yet_written_keeps_later_compactions_aligned()
    {
        // Found by the crash tests: a compaction that started at the appended position (ahead of the written one)
        // put those records into the new file twice, so positions no longer mapped to offsets, and a later
        // compaction copied from the middle of a record. Here an append lands between the writer's swap and the
        // compaction's start, and the writer pauses long enough for the compaction to reach its switch first; the
        // switch checks that positions map to offsets in the new file, and refuses the file otherwise.
        var model = new Dictionary<string, byte[]>();
        using (var harness = new LogHarness(_directory, FsyncPolicy.EverySecond))
        {
            harness.Log.WriteInterval = 200;
            await Churn(harness, model, seed: 21, count: 500);
            for (var round = 0; round < 3; round++)
            {
                var armed = 1;
                harness.Log.IoFault = operation =>
                {
                    if (operation == "write" && Interlocked.Exchange(ref armed, 0) == 1)
                    {
                        harness.Store.Set("during"u8, Encoding.UTF8.GetBytes($"swap {round}"));
                    }
                };

                harness.Store.Set("before"u8, Encoding.UTF8.GetBytes($"compaction {round}"));
                model["before"] = Encoding.UTF8.GetBytes($"compaction {round}");
                model["during"] = Encoding.UTF8.GetBytes($"swap {round}");
                await harness.Log.CompactAsync();
                harness.Log.IoFault = null;
                await Churn(harness, model, seed: 22 + round, count: 200);
            }

            harness.Log.CompactionCount.Should().Be(3);
        }

        LogFiles.Recover(_directory).Contents.Should().BeEquivalentTo(LogFiles.Contents(model));
    }

    [Test]
    public async Task A_crash_at_each_step_of_a_compaction_leaves_a_log_that_replays_to_the_right_state([ValueSource(nameof(AllSteps))] string stepName)
    {
        var step = Enum.Parse<CompactionStep>(stepName);
        // A crash of the process leaves the files as they are at that moment: a copy of the directory taken at the
        // step is what a restart would find.
        var model = new Dictionary<string, byte[]>();
        var copy = LogFiles.NewDirectory();
        _copies.Add(copy);
        using (var harness = new LogHarness(_directory))
        {
            await Churn(harness, model, seed: 5, count: 2000);
            harness.Log.CompactionFault = at =>
            {
                if (at == step)
                {
                    CopyDirectory(_directory, copy);
                }
            };
            await harness.Log.CompactAsync();
        }

        var temp = Path.Combine(copy, AppendOnlyLog.TempFileName);
        File.Exists(temp).Should().Be(step < CompactionStep.Renamed, "the temporary file exists until it is renamed");
        LogFiles.Recover(copy).Contents.Should().BeEquivalentTo(LogFiles.Contents(model));
        File.Exists(temp).Should().BeFalse("a restart removes the leftover");
    }

    [Test]
    public async Task A_crash_at_each_step_while_writes_go_on_keeps_every_write_acknowledged_before_it([ValueSource(nameof(AllSteps))] string stepName)
    {
        var step = Enum.Parse<CompactionStep>(stepName);
        const int writers = 4;
        var acknowledged = new int[writers * 20]; // the last acknowledged sequence number per key (0: never written)
        var sent = new int[writers * 20];
        var copy = LogFiles.NewDirectory();
        _copies.Add(copy);
        int[]? acknowledgedAtCrash = null;
        int[]? sentAfterCrash = null;
        using (var harness = new LogHarness(_directory))
        {
            harness.Log.CompactionCatchUpSlack = 0;
            using var stop = new CancellationTokenSource();
            var writing = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
            {
                var waiter = new CommitWaiter();
                var random = new Random(w);
                for (var i = 1; !stop.IsCancellationRequested; i++)
                {
                    var key = (w * 20) + random.Next(20);
                    Volatile.Write(ref sent[key], i);
                    (await harness.SetAsync($"k{key}", $"{i}", waiter)).Should().BeTrue();
                    Volatile.Write(ref acknowledged[key], i);
                }
            })).ToArray();

            await Task.Delay(50);
            harness.Log.CompactionFault = at =>
            {
                if (at == step)
                {
                    acknowledgedAtCrash = [.. acknowledged];
                    CopyDirectory(_directory, copy);
                    sentAfterCrash = [.. sent];
                }
            };
            await harness.Log.CompactAsync();
            await Task.Delay(20);
            await stop.CancelAsync();
            await Task.WhenAll(writing);
        }

        var recovered = LogFiles.Recover(copy).Contents;
        for (var key = 0; key < acknowledged.Length; key++)
        {
            var seq = recovered.TryGetValue(Convert.ToHexString(Encoding.UTF8.GetBytes($"k{key}")), out var hex)
                ? int.Parse(Encoding.UTF8.GetString(Convert.FromHexString(hex)))
                : 0;
            seq.Should().BeGreaterThanOrEqualTo(acknowledgedAtCrash![key], "key {0}: every write acknowledged before the crash is kept", key);
            seq.Should().BeLessThanOrEqualTo(sentAfterCrash![key], "key {0}: nothing is made up", key);
        }
    }

    [TestCase(nameof(CompactionStep.TempCreated))]
    [TestCase(nameof(CompactionStep.SnapshotWritten))]
    [TestCase(nameof(CompactionStep.CaughtUp))]
    [TestCase(nameof(CompactionStep.TempSynced))]
    [TestCase(nameof(CompactionStep.FinalWritten))]
    public async Task A_compaction_that_fails_before_the_rename_leaves_the_old_log_in_service(string stepName)
    {
        var step = Enum.Parse<CompactionStep>(stepName);
        var model = new Dictionary<string, byte[]>();
        using (var harness = new LogHarness(_directory))
        {
            await Churn(harness, model, seed: 9, count: 1000);
            var before = harness.Log.FileLength;
            harness.Log.CompactionFault = at =>
            {
                if (at == step)
                {
                    throw new IOException("simulated: no space left on device");
                }
            };
            var compact = () => harness.Log.CompactAsync();
            await compact.Should().ThrowAsync<IOException>();
            harness.Log.IsFailed.Should().BeFalse();
            harness.Log.CompactionCount.Should().Be(0);
            harness.Log.FileLength.Should().BeGreaterThanOrEqualTo(before);
            File.Exists(Path.Combine(_directory, AppendOnlyLog.TempFileName)).Should().BeFalse("the failed copy is removed");

            await Churn(harness, model, seed: 10, count: 300);
            harness.Log.CompactionFault = null;
            await harness.Log.CompactAsync();
            await Churn(harness, model, seed: 11, count: 100);
        }

        LogFiles.Recover(_directory).Contents.Should().BeEquivalentTo(LogFiles.Contents(model));
    }

    [TestCase(nameof(CompactionStep.Renamed))]
    [TestCase(nameof(CompactionStep.DirectorySynced))]
    public async Task A_failure_after_the_rename_stops_the_log_and_what_was_acknowledged_replays(string stepName)
    {
        var step = Enum.Parse<CompactionStep>(stepName);
        var model = new Dictionary<string, byte[]>();
        using (var harness = new LogHarness(_directory))
        {
            await Churn(harness, model, seed: 12, count: 1000);
            harness.Log.CompactionFault = at =>
            {
                if (at == step)
                {
                    throw new IOException("simulated: fsync of the directory failed");
                }
            };
            var compact = () => harness.Log.CompactAsync();
            await compact.Should().ThrowAsync<IOException>();
            await harness.Log.Failed.WaitAsync(TimeSpan.FromSeconds(5));
            (await harness.SetAsync("after", "x", new CommitWaiter())).Should().BeFalse();
        }

        LogFiles.Recover(_directory).Contents.Should().BeEquivalentTo(LogFiles.Contents(model));
    }

    [Test]
    public async Task Compaction_starts_by_itself_once_the_log_outgrows_the_live_data()
    {
        var model = new Dictionary<string, byte[]>();
        using (var harness = new LogHarness(_directory, compactionMinBytes: 32 * 1024, compactionRatio: 2))
        {
            var waiter = new CommitWaiter();
            for (var i = 0; i < 5000; i++)
            {
                (await harness.SetAsync($"k{i % 10}", $"value {i}", waiter)).Should().BeTrue();
                model[$"k{i % 10}"] = Encoding.UTF8.GetBytes($"value {i}");
            }

            var deadline = DateTime.UtcNow.AddSeconds(5);
            while (harness.Log.CompactionCount == 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10);
            }

            harness.Log.CompactionCount.Should().BePositive();
            harness.Log.FileLength.Should().BeLessThan(64 * 1024);
        }

        LogFiles.Recover(_directory).Contents.Should().BeEquivalentTo(LogFiles.Contents(model));
    }

    private static async Task Churn(LogHarness harness, Dictionary<string, byte[]> model, int seed, int count)
    {
        var random = new Random(seed);
        var waiter = new CommitWaiter();
        for (var i = 0; i < count; i++)
        {
            var key = $"key-{random.Next(100)}";
            if (random.Next(6) == 0)
            {
                (await harness.ClearAsync(key, waiter)).Should().BeTrue();
                model.Remove(key);
            }
            else
            {
                var value = new byte[random.Next(0, 300)];
                random.NextBytes(value);
                (await harness.SetAsync(Encoding.UTF8.GetBytes(key), value, waiter)).Should().BeTrue();
                model[key] = value;
            }
        }
    }

    // Everything but the lock file, which the running log holds exclusively.
    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from))
        {
            if (Path.GetFileName(file) != AppendOnlyLog.LockFileName)
            {
                File.Copy(file, Path.Combine(to, Path.GetFileName(file)), overwrite: true);
            }
        }
    }
}

/// <summary>The policies by a public name, for test parameters (the log's types are internal).</summary>
public enum FsyncPolicyName
{
    /// <summary>always.</summary>
    Always,

    /// <summary>everysec.</summary>
    EverySecond,
}
