using Kv.Protocol;

namespace Kv.Server.Tests.Expiry;

/// <summary>
/// EXPIRE (every condition, relative and absolute, times in the past), PERSIST and TTL over a socket, against a store
/// whose clock the test moves; and what a jump of the wall clock does and does not change.
/// </summary>
public class ExpireTests
{
    private const ExpireFlags In = ExpireFlags.RelativeExpiry;
    private const ExpireFlags At = ExpireFlags.AbsoluteExpiry;

    private ClockedServer _server = null!;

    [SetUp]
    public async Task StartAsync() => _server = await ClockedServer.StartAsync();

    [TearDown]
    public async Task StopAsync()
    {
        _server.Server.Errors.Should().BeEmpty();
        await _server.DisposeAsync();
    }

    [Test]
    public async Task TTL_tells_a_missing_key_one_without_an_expiry_and_the_time_left_apart()
    {
        (await _server.ExecuteAsync(Command.Ttl("k", 1))).Should().Be(Response.NotFound(1));

        await _server.ExecuteAsync(Command.Set("k", "v", ProtocolVersion.V1, 2));
        (await _server.ExecuteAsync(Command.Ttl("k", 3))).Should().Be(Response.TimeToLive(-1, 3));

        await _server.ExecuteAsync(Command.Expire("k", In, 60_000, 4));
        (await _server.ExecuteAsync(Command.Ttl("k", 5))).Should().Be(Response.TimeToLive(60_000, 5));
        _server.Clock.Advance(2);
        (await _server.ExecuteAsync(Command.Ttl("k", 6))).Should().Be(Response.TimeToLive(59_998, 6));
    }

    [Test]
    public async Task EXPIRE_sets_a_relative_or_an_absolute_expiry_and_answers_NOT_FOUND_for_a_missing_key()
    {
        (await _server.ExecuteAsync(Command.Expire("k", In, 1000, 1))).Should().Be(Response.NotFound(1));
        await _server.ExecuteAsync(Command.Set("k", "v", ProtocolVersion.V1, 2));

        (await _server.ExecuteAsync(Command.Expire("k", In, 1000, 3))).Should().Be(Response.Applied(true, 3));
        (await _server.TtlAsync("k")).Should().Be(1000);
        (await _server.ExecuteAsync(Command.Expire("k", At, _server.UnixNow + 7000, 4))).Should().Be(Response.Applied(true, 4));
        (await _server.TtlAsync("k")).Should().Be(7000);

        _server.Clock.Advance(7000);
        (await _server.GetAsync("k")).Should().BeNull();
        (await _server.ExecuteAsync(Command.Expire("k", In, 1000, 5))).Should().Be(Response.NotFound(5), "an expired key is missing");
    }

    [Test]
    public async Task NX_applies_only_to_a_key_without_an_expiry()
    {
        await _server.ExecuteAsync(Command.Set("k", "v", ProtocolVersion.V1, 1));
        (await _server.ExecuteAsync(Command.Expire("k", ExpireFlags.IfNoExpiry | In, 5000, 2))).Should().Be(Response.Applied(true, 2));
        (await _server.ExecuteAsync(Command.Expire("k", ExpireFlags.IfNoExpiry | In, 9000, 3))).Should().Be(Response.Applied(false, 3));
        (await _server.TtlAsync("k")).Should().Be(5000);
    }

    [Test]
    public async Task XX_applies_only_to_a_key_with_an_expiry()
    {
        await _server.ExecuteAsync(Command.Set("k", "v", ProtocolVersion.V1, 1));
        (await _server.ExecuteAsync(Command.Expire("k", ExpireFlags.IfHasExpiry | In, 5000, 2))).Should().Be(Response.Applied(false, 2));
        (await _server.TtlAsync("k")).Should().Be(-1);

        await _server.ExecuteAsync(Command.Expire("k", In, 5000, 3));
        (await _server.ExecuteAsync(Command.Expire("k", ExpireFlags.IfHasExpiry | In, 9000, 4))).Should().Be(Response.Applied(true, 4));
        (await _server.TtlAsync("k")).Should().Be(9000);
    }

    [Test]
    public async Task GT_applies_only_to_a_later_time_and_never_to_a_key_without_an_expiry()
    {
        await _server.ExecuteAsync(Command.Set("k", "v", ProtocolVersion.V1, 1));
        (await _server.ExecuteAsync(Command.Expire("k", ExpireFlags.IfLater | In, 5000, 2))).Should().Be(Response.Applied(false, 2), "no expiry counts as never, and nothing is later than never");
        (await _server.TtlAsync("k")).Should().Be(-1);

        await _server.ExecuteAsync(Command.Expire("k", In, 5000, 3));
        (await _server.ExecuteAsync(Command.Expire("k", ExpireFlags.IfLater | In, 4000, 4))).Should().Be(Response.Applied(false, 4));
        (await _server.ExecuteAsync(Command.Expire("k", ExpireFlags.IfLater | At, _server.UnixNow + 6000, 5))).Should().Be(Response.Applied(true, 5));
        (await _server.TtlAsync("k")).Should().Be(6000);

        (await _server.ExecuteAsync(Command.Expire("k", ExpireFlags.IfHasExpiry | ExpireFlags.IfLater | In, 8000, 6))).Should().Be(Response.Applied(true, 6));
        (await _server.TtlAsync("k")).Should().Be(8000);
    }

    [Test]
    public async Task LT_applies_only_to_a_sooner_time_and_always_to_a_key_without_an_expiry()
    {
        await _server.ExecuteAsync(Command.Set("k", "v", ProtocolVersion.V1, 1));
        (await _server.ExecuteAsync(Command.Expire("k", ExpireFlags.IfSooner | In, 5000, 2))).Should().Be(Response.Applied(true, 2), "any time is sooner than never");
        (await _server.ExecuteAsync(Command.Expire("k", ExpireFlags.IfSooner | In, 6000, 3))).Should().Be(Response.Applied(false, 3));
        (await _server.ExecuteAsync(Command.Expire("k", ExpireFlags.IfSooner | In, 4000, 4))).Should().Be(Response.Applied(true, 4));
        (await _server.TtlAsync("k")).Should().Be(4000);
    }

    [Test]
    public async Task XX_with_LT_applies_only_to_a_key_that_has_an_expiry_and_only_sooner()
    {
        await _server.ExecuteAsync(Command.Set("k", "v", ProtocolVersion.V1, 1));
        var xxlt = ExpireFlags.IfHasExpiry | ExpireFlags.IfSooner | In;
        (await _server.ExecuteAsync(Command.Expire("k", xxlt, 5000, 2))).Should().Be(Response.Applied(false, 2), "XX: no expiry to shorten");
        (await _server.TtlAsync("k")).Should().Be(-1);

        await _server.ExecuteAsync(Command.Expire("k", In, 5000, 3));
        (await _server.ExecuteAsync(Command.Expire("k", xxlt, 6000, 4))).Should().Be(Response.Applied(false, 4));
        (await _server.ExecuteAsync(Command.Expire("k", xxlt, 3000, 5))).Should().Be(Response.Applied(true, 5));
        (await _server.TtlAsync("k")).Should().Be(3000);
        (await _server.ExecuteAsync(Command.Expire("missing", xxlt, 3000, 6))).Should().Be(Response.NotFound(6));
    }

    [TestCase(ExpireFlags.RelativeExpiry, 0L)]
    [TestCase(ExpireFlags.RelativeExpiry, -1L)]
    [TestCase(ExpireFlags.RelativeExpiry, long.MinValue)]
    [TestCase(ExpireFlags.AbsoluteExpiry, 1L)]
    [TestCase(ExpireFlags.AbsoluteExpiry, 0L)]
    [TestCase(ExpireFlags.AbsoluteExpiry, long.MinValue)]
    [TestCase(ExpireFlags.IfSooner | ExpireFlags.RelativeExpiry, -5L)]
    [TestCase(ExpireFlags.IfNoExpiry | ExpireFlags.AbsoluteExpiry, -5L)]
    public async Task A_time_at_or_before_now_removes_the_key(ExpireFlags flags, long time)
    {
        await _server.ExecuteAsync(Command.Set("k", "v", ProtocolVersion.V1, 1));

        (await _server.ExecuteAsync(Command.Expire("k", flags, time, 2))).Should().Be(Response.Applied(true, 2));
        (await _server.GetAsync("k")).Should().BeNull();
        (await _server.TtlAsync("k")).Should().BeNull();
        _server.Store.Count.Should().Be(0);
    }

    [Test]
    public async Task A_time_in_the_past_whose_condition_does_not_hold_changes_nothing()
    {
        await _server.ExecuteAsync(Command.Set("k", "v", ProtocolVersion.V1, 1));
        (await _server.ExecuteAsync(Command.Expire("k", ExpireFlags.IfLater | In, -1, 2))).Should().Be(Response.Applied(false, 2));
        (await _server.ExecuteAsync(Command.Expire("k", ExpireFlags.IfHasExpiry | At, _server.UnixNow, 3))).Should().Be(Response.Applied(false, 3));
        (await _server.GetAsync("k")).Should().Be("v");
    }

    [Test]
    public async Task An_absolute_time_at_now_removes_the_key()
    {
        await _server.ExecuteAsync(Command.Set("k", "v", ProtocolVersion.V1, 1));
        (await _server.ExecuteAsync(Command.Expire("k", At, _server.UnixNow, 2))).Should().Be(Response.Applied(true, 2));
        (await _server.GetAsync("k")).Should().BeNull();
    }

    [Test]
    public async Task PERSIST_removes_an_expiry_and_says_whether_there_was_one()
    {
        (await _server.ExecuteAsync(Command.Persist("k", 1))).Should().Be(Response.NotFound(1));
        await _server.ExecuteAsync(Command.Set("k", "v", ProtocolVersion.V1, 2));
        (await _server.ExecuteAsync(Command.Persist("k", 3))).Should().Be(Response.Applied(false, 3), "the key had no expiry");

        await _server.ExecuteAsync(Command.Expire("k", In, 1000, 4));
        (await _server.ExecuteAsync(Command.Persist("k", 5))).Should().Be(Response.Applied(true, 5));
        (await _server.TtlAsync("k")).Should().Be(-1);
        _server.Clock.Advance(2000);
        (await _server.GetAsync("k")).Should().Be("v", "the key no longer expires");
    }

    [Test]
    public async Task A_wall_clock_jump_does_not_change_a_relative_TTL_and_absolute_times_are_read_against_the_wall_clock_when_received()
    {
        await _server.ExecuteAsync(Command.SetX("relative", "v", SetFlags.RelativeExpiry, 10_000, 1));
        await _server.ExecuteAsync(Command.SetX("absolute", "v", SetFlags.AbsoluteExpiry, _server.UnixNow + 10_000, 2));

        // An operator or NTP moves the wall clock an hour forward, then two hours back: expiry runs on the monotonic
        // clock, so neither key dies early nor lives longer, and an absolute time already received does not move.
        _server.Clock.JumpWallClock(TimeSpan.FromHours(1));
        (await _server.TtlAsync("relative")).Should().Be(10_000);
        (await _server.TtlAsync("absolute")).Should().Be(10_000);
        _server.Clock.JumpWallClock(TimeSpan.FromHours(-2));
        (await _server.TtlAsync("relative")).Should().Be(10_000);
        (await _server.TtlAsync("absolute")).Should().Be(10_000);

        // An absolute time received now is read against the wall clock of now.
        await _server.ExecuteAsync(Command.Expire("relative", At, _server.UnixNow + 3000, 3));
        (await _server.TtlAsync("relative")).Should().Be(3000);

        _server.Clock.Advance(10_000);
        (await _server.GetAsync("relative")).Should().BeNull();
        (await _server.GetAsync("absolute")).Should().BeNull();
    }
}
