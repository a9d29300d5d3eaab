using System.Text;
using Kv.Storage.Persistence;
using Kv.Testing.Persistence;
using Kv.Testing.Time;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kv.Storage.Tests.Expiry;

public class ExpiryTests
{
    [Test]
    public void An_expired_key_is_never_returned_at_its_boundary()
    {
        var clock = new ManualClock();
        using var store = Stores.Create(time: clock);
        store.Set<object?>("k"u8, "v"u8, SetCondition.Always, KeyExpiry.After(100), null, null).Status.Should().Be(SetStatus.Applied);
        clock.Advance(99);
        store.Read("k"u8).Should().Equal("v"u8.ToArray());
        store.TimeToLive("k"u8).Should().Be(1);
        clock.Advance(1);
        store.Read("k"u8).Should().BeNull("the key expires at exactly its time");
        store.TimeToLive("k"u8).Should().Be(MemoryStore.TtlKeyMissing);
        store.Count.Should().Be(0, "the lookup that found it expired removed it");
        store.Set<object?>("k"u8, "w"u8, SetCondition.IfMissing, KeyExpiry.Never, null, null).Status.Should().Be(SetStatus.Applied, "an expired key is missing to NX");
    }

    [Test]
    public void A_wall_clock_jump_changes_no_time_to_live()
    {
        var clock = new ManualClock();
        using var store = Stores.Create(time: clock);
        store.Set<object?>("relative"u8, "v"u8, SetCondition.Always, KeyExpiry.After(60_000), null, null);
        store.Set<object?>("absolute"u8, "v"u8, SetCondition.Always, KeyExpiry.At(clock.UnixMilliseconds + 60_000), null, null);

        clock.JumpWallClock(TimeSpan.FromDays(1));
        store.TimeToLive("relative"u8).Should().Be(60_000);
        store.TimeToLive("absolute"u8).Should().Be(60_000, "an absolute time is converted when it is received");
        clock.JumpWallClock(TimeSpan.FromDays(-2));
        store.Read("absolute"u8).Should().NotBeNull();

        clock.Advance(60_000);
        store.Read("relative"u8).Should().BeNull();
        store.Read("absolute"u8).Should().BeNull();
    }

    [Test]
    public void The_active_expiry_removes_keys_nobody_reads_and_returns_their_memory()
    {
        var clock = new ManualClock();
        using var store = Stores.Create(stripes: 8, time: clock);
        var empty = store.AllocatedBytes;
        for (var i = 0; i < 1000; i++)
        {
            store.Set(Encoding.UTF8.GetBytes($"kept{i}"), new byte[50]);
        }

        var withKept = store.AllocatedBytes;
        for (var i = 0; i < 200_000; i++)
        {
            store.Set<object?>(Encoding.UTF8.GetBytes($"expiring{i}"), new byte[50], SetCondition.Always, KeyExpiry.After(1000 + (i % 100)), null, null);
        }

        store.ExpiringCount.Should().Be(200_000);
        clock.Advance(1100);
        var runs = 0;
        while (store.Count > 1000 && runs++ < 10_000)
        {
            store.RemoveExpired();
        }

        store.Count.Should().Be(1000);
        store.ExpiringCount.Should().Be(0);
        store.ExpiredKeys.Should().Be(200_000);
        store.MaintainUntilIdle();
        (store.AllocatedBytes - empty).Should().BeLessThan(4 * (withKept - empty) + 8 * 64 * 1024, "the expired keys' pages and index were given back");
    }

    [Test]
    public void The_active_expiry_leaves_keys_that_have_not_expired()
    {
        var clock = new ManualClock();
        using var store = Stores.Create(stripes: 2, time: clock);
        for (var i = 0; i < 10_000; i++)
        {
            store.Set<object?>(Encoding.UTF8.GetBytes($"k{i}"), "v"u8, SetCondition.Always, KeyExpiry.After(i < 5000 ? 10 : 10_000), null, null);
        }

        clock.Advance(10);
        for (var run = 0; run < 1000; run++)
        {
            store.RemoveExpired();
        }

        store.Count.Should().Be(5000);
        Enumerable.Range(5000, 5000).Should().OnlyContain(i => store.Read(Encoding.UTF8.GetBytes($"k{i}")) != null);
    }

    [Test]
    public void Nothing_expires_while_the_log_is_replayed()
    {
        // A later record may give the key back its life (a PERSIST after a SET whose time has passed): neither the
        // active expiry, which runs on a timer, nor a lookup may remove it before the replay is over.
        var clock = new ManualClock();
        using var store = Stores.Create(stripes: 1, time: clock);
        store.Set<object?>("k"u8, "v"u8, SetCondition.Always, KeyExpiry.After(10), null, null);
        clock.Advance(100);
        store.Replaying = true;
        store.RemoveExpired().Should().Be(0);
        store.TimeToLive("k"u8).Should().Be(0);
        store.Persist("k"u8).Should().Be(ExpireStatus.Applied);
        store.Replaying = false;
        store.RemoveExpired().Should().Be(0);
        store.Read("k"u8).Should().Equal("v"u8.ToArray());
    }

    [Test]
    public void A_store_without_expiring_keys_gives_the_active_expiry_nothing_to_do()
    {
        using var store = Stores.Create(stripes: 4);
        for (var i = 0; i < 10_000; i++)
        {
            store.Set(Encoding.UTF8.GetBytes($"k{i}"), "v"u8);
        }

        store.ExpiringCount.Should().Be(0);
        store.RemoveExpired().Should().Be(0);
        store.Stripes.Should().OnlyContain(stripe => stripe.ExpiringCount == 0);
    }

    [Test]
    public void Expiry_survives_a_restart_and_a_key_whose_time_passed_meanwhile_is_dropped()
    {
        var directory = LogFiles.NewDirectory();
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        using (var store = Stores.Create(stripes: 4, time: clock))
        using (AppendOnlyLog.Open(new PersistenceOptions { DataDirectory = directory }, store, NullLogger.Instance))
        {
            store.Set<object?>("long"u8, "1"u8, SetCondition.Always, KeyExpiry.After(3_600_000), null, null);
            store.Set<object?>("short"u8, "2"u8, SetCondition.Always, KeyExpiry.After(1000), null, null);
            store.Set("persisted"u8, "3"u8);
            store.Set<object?>("was-expiring"u8, "4"u8, SetCondition.Always, KeyExpiry.After(1000), null, null);
            store.Persist("was-expiring"u8).Should().Be(ExpireStatus.Applied);
            store.Set("gained"u8, "5"u8);
            store.Expire("gained"u8, KeyExpiry.After(3_600_000)).Should().Be(ExpireStatus.Applied);
        }

        // Down for two seconds, by the wall clock the log's absolute times are read against.
        var later = new ManualClock(clock.GetUtcNow() + TimeSpan.FromSeconds(2));
        using var reopened = Stores.Create(stripes: 4, time: later);
        using var log = AppendOnlyLog.Open(new PersistenceOptions { DataDirectory = directory }, reopened, NullLogger.Instance);
        reopened.Read("short"u8).Should().BeNull();
        reopened.TimeToLive("long"u8).Should().BeInRange(3_600_000 - 2000, 3_600_000 - 1990);
        reopened.TimeToLive("persisted"u8).Should().Be(MemoryStore.TtlNoExpiry);
        reopened.TimeToLive("was-expiring"u8).Should().Be(MemoryStore.TtlNoExpiry);
        reopened.TimeToLive("gained"u8).Should().BeInRange(3_600_000 - 2000, 3_600_000 - 1990);
        reopened.Count.Should().Be(4);
    }

    [Test]
    public void A_version_1_log_is_read_and_upgraded_before_expiry_records_are_appended()
    {
        var directory = LogFiles.NewDirectory();
        var header = LogFiles.Header();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), 1);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(12), LogFormat.Checksum(header.AsSpan(0, 12)));
        File.WriteAllBytes(LogFiles.LogPath(directory), [.. header, .. LogFiles.Set("old", "1")]);

        using (var store = Stores.Create(stripes: 2))
        using (AppendOnlyLog.Open(new PersistenceOptions { DataDirectory = directory }, store, NullLogger.Instance))
        {
            store.Read("old"u8).Should().Equal("1"u8.ToArray());
            store.Set<object?>("new"u8, "2"u8, SetCondition.Always, KeyExpiry.After(3_600_000), null, null);
        }

        var bytes = File.ReadAllBytes(LogFiles.LogPath(directory));
        bytes.AsSpan(0, 16).ToArray().Should().Equal(LogFiles.Header(), "the header says version 2 before a version-2 record follows");
        using var reopened = Stores.Create(stripes: 2);
        using var again = AppendOnlyLog.Open(new PersistenceOptions { DataDirectory = directory }, reopened, NullLogger.Instance);
        reopened.Read("old"u8).Should().Equal("1"u8.ToArray());
        reopened.TimeToLive("new"u8).Should().BeGreaterThan(3_500_000);
    }

    [Test]
    public async Task Log_compaction_copies_expiry_and_drops_expired_keys()
    {
        var directory = LogFiles.NewDirectory();
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        using (var store = Stores.Create(stripes: 4, time: clock))
        using (var log = AppendOnlyLog.Open(new PersistenceOptions { DataDirectory = directory }, store, NullLogger.Instance))
        {
            store.Set<object?>("long"u8, "1"u8, SetCondition.Always, KeyExpiry.After(3_600_000), null, null);
            store.Set<object?>("short"u8, "2"u8, SetCondition.Always, KeyExpiry.After(1000), null, null);
            clock.Advance(1000);
            await log.CompactAsync();
        }

        // Replayed at the time the keys were written: had the compaction copied "short", it would be alive then.
        using var reopened = Stores.Create(stripes: 4, time: new ManualClock(clock.GetUtcNow() - TimeSpan.FromMilliseconds(1000)));
        using var again = AppendOnlyLog.Open(new PersistenceOptions { DataDirectory = directory }, reopened, NullLogger.Instance);
        again.Replay.Records.Should().Be(1, "the compacted log holds the one key alive at the compaction");
        reopened.Read("short"u8).Should().BeNull();
        reopened.TimeToLive("long"u8).Should().Be(3_600_000);
    }

    [Test]
    public async Task Concurrent_readers_and_writers_never_see_an_expired_key()
    {
        var clock = new ManualClock();
        using var store = Stores.Create(stripes: 4, time: clock);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var seenExpired = 0;
        var writers = Enumerable.Range(0, 2).Select(w => Task.Run(() =>
        {
            var value = new byte[16];
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                // The value carries the time at which it stops being valid, and the key expires at exactly that time.
                var expiresAt = clock.UnixMilliseconds + 5;
                BitConverter.TryWriteBytes(value, expiresAt);
                store.Set<object?>(Encoding.UTF8.GetBytes($"k{i % 500}"), value, SetCondition.Always, KeyExpiry.At(expiresAt), null, null);
            }
        }));
        var readers = Enumerable.Range(0, 2).Select(r => Task.Run(() =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var now = clock.UnixMilliseconds;
                if (store.Read(Encoding.UTF8.GetBytes($"k{i % 500}")) is { } value && BitConverter.ToInt64(value) <= now)
                {
                    Interlocked.Increment(ref seenExpired);
                }
            }
        }));
        var ticker = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                clock.Advance(1);
                store.RemoveExpired();
                await Task.Yield();
            }
        });
        await Task.WhenAll(writers.Concat(readers).Append(ticker));
        seenExpired.Should().Be(0);
    }
}
