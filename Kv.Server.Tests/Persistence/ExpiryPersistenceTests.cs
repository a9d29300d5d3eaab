using System.Diagnostics;
using Kv.Protocol;
using Kv.Server.Hosting;
using Kv.Storage;
using Kv.Storage.Persistence;
using Kv.Testing.Time;

namespace Kv.Server.Tests.Persistence;

/// <summary>
/// Expiry across a restart of a persistent server on the same data directory: the log holds absolute times, so a key
/// keeps what is left of its time to live, and a key whose time passed while the server was down is gone.
/// </summary>
public class ExpiryPersistenceTests
{
    private string _directory = null!;

    [SetUp]
    public void SetUp() => _directory = LogFiles.NewDirectory();

    [TearDown]
    public void TearDown() => LogFiles.DeleteDirectory(_directory);

    [TestCase("always")]
    [TestCase("no")]
    public async Task Expiry_survives_a_restart_in_real_time(string fsync)
    {
        var clock = Stopwatch.StartNew();
        TimeSpan shortExpiredBy;
        await using (var server = Start(fsync))
        {
            using var connection = await server.ConnectAsync();
            (await connection.ExecuteAsync(Command.SetX("long", "1", SetFlags.RelativeExpiry, 3_600_000, 1))).Status.Should().Be(ResponseStatus.Ok);
            (await connection.ExecuteAsync(Command.SetX("short", "2", SetFlags.RelativeExpiry, 300, 2))).Status.Should().Be(ResponseStatus.Ok);
            shortExpiredBy = clock.Elapsed + TimeSpan.FromMilliseconds(300);
            (await connection.ExecuteAsync(Command.Set("forever", "3", ProtocolVersion.V1, 3))).Status.Should().Be(ResponseStatus.Ok);
            (await connection.ExecuteAsync(Command.Set("expire-at", "4", ProtocolVersion.V1, 4))).Status.Should().Be(ResponseStatus.Ok);
            (await connection.ExecuteAsync(Command.Expire("expire-at", ExpireFlags.AbsoluteExpiry, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 3_600_000, 5))).Should().Be(Response.Applied(true, 5));
            (await connection.ExecuteAsync(Command.SetX("persisted", "5", SetFlags.RelativeExpiry, 300, 6))).Status.Should().Be(ResponseStatus.Ok);
            (await connection.ExecuteAsync(Command.Persist("persisted", 7))).Should().Be(Response.Applied(true, 7));
            (await connection.ExecuteAsync(Command.GetEx("getex", GetExFlags.RelativeExpiry, 1000, 8))).Should().Be(Response.NotFound(8));
            (await connection.ExecuteAsync(Command.Set("getex", "6", ProtocolVersion.V1, 9))).Status.Should().Be(ResponseStatus.Ok);
            (await connection.ExecuteAsync(Command.GetEx("getex", GetExFlags.RelativeExpiry, 7_200_000, 10))).Should().Be(Response.Ok("6", ProtocolVersion.V1, 10));
        }

        // Down until the short key's time has passed (a wait for a time, not a fixed sleep).
        (await Waiting.UntilAsync(() => clock.Elapsed > shortExpiredBy, TimeSpan.FromSeconds(10))).Should().BeTrue();

        await using (var server = Start(fsync))
        {
            using var connection = await server.ConnectAsync();
            var restartedAfter = clock.Elapsed;
            (await connection.ExecuteAsync(Command.Get("short", ProtocolVersion.V1, 1))).Should().Be(Response.NotFound(1), "its time passed while the server was down");
            (await TtlAsync(connection, "long")).Should().BeInRange(3_600_000 - (long)restartedAfter.TotalMilliseconds - 1000, 3_600_000);
            (await TtlAsync(connection, "expire-at")).Should().BeInRange(3_600_000 - (long)restartedAfter.TotalMilliseconds - 1000, 3_600_000);
            (await TtlAsync(connection, "getex")).Should().BeInRange(7_200_000 - (long)restartedAfter.TotalMilliseconds - 1000, 7_200_000);
            (await TtlAsync(connection, "forever")).Should().Be(-1);
            (await TtlAsync(connection, "persisted")).Should().Be(-1, "PERSIST was logged");
            (await connection.ExecuteAsync(Command.Get("long", ProtocolVersion.V1, 2))).Should().Be(Response.Ok("1", ProtocolVersion.V1, 2));
            server.Server.Store.Count.Should().Be(5);
        }
    }

    [Test]
    public async Task With_a_clock_the_test_moves_the_time_left_after_a_restart_is_exact()
    {
        var before = new ManualClock();
        using (var store = new MemoryStore(new MemoryStoreOptions { TimeProvider = before }))
        await using (var server = Start("always", store))
        {
            using var connection = await server.ConnectAsync();
            await connection.ExecuteAsync(Command.SetX("a", "1", SetFlags.RelativeExpiry, 10_000, 1));
            await connection.ExecuteAsync(Command.SetX("b", "2", SetFlags.RelativeExpiry, 1000, 2));
            await connection.ExecuteAsync(Command.SetX("c", "3", SetFlags.AbsoluteExpiry, before.UnixMilliseconds + 5000, 3));
            await connection.ExecuteAsync(Command.Set("d", "4", ProtocolVersion.V1, 4));
            await connection.ExecuteAsync(Command.Expire("d", ExpireFlags.RelativeExpiry, 2000, 5));
            before.Advance(500);
            (await connection.ExecuteAsync(Command.SetX("a", "1b", SetFlags.KeepTtl | SetFlags.ReturnPrevious, 0, 6))).Should().Be(Response.SetReply(SetReplyFlags.Applied | SetReplyFlags.Existed, "1"u8.ToArray(), 6));
        }

        // Two seconds of wall-clock time later (the log holds absolute times; the new process's monotonic clock starts anew).
        var after = new ManualClock(before.GetUtcNow() + TimeSpan.FromSeconds(2));
        using (var store = new MemoryStore(new MemoryStoreOptions { TimeProvider = after }))
        await using (var server = Start("always", store))
        {
            using var connection = await server.ConnectAsync();
            (await TtlAsync(connection, "a")).Should().Be(10_000 - 2500);
            (await connection.ExecuteAsync(Command.Get("a", ProtocolVersion.V1, 1))).Should().Be(Response.Ok("1b", ProtocolVersion.V1, 1));
            (await connection.ExecuteAsync(Command.Get("b", ProtocolVersion.V1, 2))).Should().Be(Response.NotFound(2));
            (await TtlAsync(connection, "c")).Should().Be(5000 - 2500);
            (await connection.ExecuteAsync(Command.Ttl("d", 3))).Should().Be(Response.NotFound(3), "2000 ms from the first clock's start had passed");
            store.Count.Should().Be(2);
        }
    }

    private static async Task<long?> TtlAsync(WireConnection connection, string key)
    {
        var response = await connection.ExecuteAsync(Command.Ttl(key, 77));
        return response.TryReadTimeToLive(out var left) ? left : null;
    }

    private InProcessServer Start(string fsync, MemoryStore? store = null) => InProcessServer.Start(
        options => options with
        {
            Persistence = new PersistenceOptions { DataDirectory = _directory, Fsync = PersistenceOptions.ParseFsync(fsync) },
        },
        store);
}
