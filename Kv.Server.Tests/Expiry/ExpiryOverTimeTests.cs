using System.Diagnostics;
using Kv.Protocol;

namespace Kv.Server.Tests.Expiry;

/// <summary>
/// Expiry in real time, end to end over a socket on the server's own clock: short times, observed by polling (never by
/// a fixed sleep), with the bounds a test can prove from when it sent and received each request.
/// </summary>
public class ExpiryOverTimeTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private InProcessServer _server = null!;
    private WireConnection _connection = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _server = InProcessServer.Start();
        _connection = await _server.ConnectAsync();
    }

    [TearDown]
    public async Task StopAsync()
    {
        _server.Errors.Should().BeEmpty();
        _connection.Dispose();
        await _server.DisposeAsync();
    }

    [Test]
    public async Task A_key_set_with_PX_200_counts_down_and_is_gone_no_sooner_than_200_ms_later()
    {
        var sent = Stopwatch.StartNew();
        (await _connection.ExecuteAsync(Command.SetX("k", "v", SetFlags.RelativeExpiry, 200, 1))).Should().Be(Response.SetReply(SetReplyFlags.Applied, null, 1));
        var ttl = await _connection.ExecuteAsync(Command.Ttl("k", 2));
        var elapsed = sent.ElapsedMilliseconds;

        // The server's millisecond clock truncates, as does the stopwatch: a millisecond or two of slack each way.
        if (ttl.TryReadTimeToLive(out var left))
        {
            left.Should().BeInRange(Math.Max(0, 200 - elapsed - 2), 200, "{0} ms had passed when TTL was answered", elapsed);
        }
        else
        {
            ttl.Should().Be(Response.NotFound(2));
            elapsed.Should().BeGreaterThanOrEqualTo(199, "a slow machine may see the key gone already, but not before its time");
        }

        (await Waiting.UntilAsync(async () => (await _connection.ExecuteAsync(Command.Get("k", ProtocolVersion.V1, 3))).Status == ResponseStatus.NotFound, Patience))
            .Should().BeTrue();
        sent.ElapsedMilliseconds.Should().BeGreaterThanOrEqualTo(199, "the key lives its time to live, counted from no sooner than when SETX was sent");
        (await _connection.ExecuteAsync(Command.Ttl("k", 4))).Should().Be(Response.NotFound(4));
        (await _connection.ExecuteAsync(Command.Get("k"))).Should().Be(Response.Error("Key not found"));
    }

    [Test]
    public async Task An_expired_key_is_never_returned_by_GET_once_its_time_has_passed()
    {
        // The key's expiry lies between (SETX sent + 300 ms) and (SETX answered + 300 ms). A GET sent after the later
        // bound is run after the expiry, and must not find the key; once a GET misses, every later one must too.
        var clock = Stopwatch.StartNew();
        (await _connection.ExecuteAsync(Command.SetX("k", "v", SetFlags.RelativeExpiry, 300, 1))).Status.Should().Be(ResponseStatus.Ok);
        var expiredBy = clock.Elapsed + TimeSpan.FromMilliseconds(300);

        var missedAt = TimeSpan.MaxValue;
        var found = 0;
        uint id = 2;
        while (clock.Elapsed < expiredBy + TimeSpan.FromMilliseconds(300))
        {
            var sentAt = clock.Elapsed;
            var version = id % 2 == 0 ? ProtocolVersion.V1 : ProtocolVersion.V0;
            var response = await _connection.ExecuteAsync(Command.Get("k", version, version == ProtocolVersion.V1 ? id : 0));
            id++;
            var hit = response.Status == ResponseStatus.Ok;
            if (hit)
            {
                found++;
                sentAt.Should().BeLessThan(expiredBy, "a GET sent after the expiry returned the value");
                missedAt.Should().Be(TimeSpan.MaxValue, "the key came back after a GET had missed it");
            }
            else
            {
                missedAt = missedAt == TimeSpan.MaxValue ? sentAt : missedAt;
            }
        }

        found.Should().BeGreaterThan(0, "the key was there before its time");
        missedAt.Should().BeLessThan(TimeSpan.MaxValue);
    }

    [Test]
    public async Task Keys_nobody_reads_again_are_removed_by_the_active_expiry()
    {
        for (var i = 0; i < 100; i++)
        {
            await _connection.SendAsync(Command.SetX($"k{i}", "v", SetFlags.RelativeExpiry, 100, (uint)i));
        }

        for (var i = 0; i < 100; i++)
        {
            (await _connection.ReadResponseAsync()).Status.Should().Be(ResponseStatus.Ok);
        }

        await _connection.ExecuteAsync(Command.Set("forever", "v", ProtocolVersion.V1, 200));
        (await Waiting.UntilAsync(() => _server.Server.Store.Count == 1, Patience)).Should().BeTrue("the store counts {0} keys", _server.Server.Store.Count);
        (await _connection.ExecuteAsync(Command.Get("forever", ProtocolVersion.V1, 201))).Should().Be(Response.Ok("v", ProtocolVersion.V1, 201));
    }

    [Test]
    public async Task EXPIRE_and_GETEX_expire_a_key_in_real_time_and_PERSIST_saves_one()
    {
        var clock = Stopwatch.StartNew();
        (await _connection.ExecuteAsync(Command.SetX("persist", "v", SetFlags.RelativeExpiry, 1000, 1))).Status.Should().Be(ResponseStatus.Ok);
        (await _connection.ExecuteAsync(Command.Persist("persist", 2))).Should().Be(Response.Applied(true, 2));
        var wouldHaveExpiredBy = clock.Elapsed + TimeSpan.FromMilliseconds(1000);

        await _connection.ExecuteAsync(Command.Set("expire", "v", ProtocolVersion.V1, 3));
        await _connection.ExecuteAsync(Command.Set("getex", "v", ProtocolVersion.V1, 4));
        (await _connection.ExecuteAsync(Command.Expire("expire", ExpireFlags.RelativeExpiry, 200, 5))).Should().Be(Response.Applied(true, 5));
        (await _connection.ExecuteAsync(Command.GetEx("getex", GetExFlags.AbsoluteExpiry, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 200, 6)))
            .Should().Be(Response.Ok("v", ProtocolVersion.V1, 6));

        (await Waiting.UntilAsync(async () =>
            (await _connection.ExecuteAsync(Command.Get("expire", ProtocolVersion.V1, 7))).Status == ResponseStatus.NotFound
            && (await _connection.ExecuteAsync(Command.Get("getex", ProtocolVersion.V1, 8))).Status == ResponseStatus.NotFound, Patience)).Should().BeTrue();

        (await Waiting.UntilAsync(() => clock.Elapsed > wouldHaveExpiredBy, Patience)).Should().BeTrue();
        (await _connection.ExecuteAsync(Command.Get("persist", ProtocolVersion.V1, 9))).Should().Be(Response.Ok("v", ProtocolVersion.V1, 9));
        (await _connection.ExecuteAsync(Command.Ttl("persist", 10))).Should().Be(Response.TimeToLive(-1, 10));
    }
}
