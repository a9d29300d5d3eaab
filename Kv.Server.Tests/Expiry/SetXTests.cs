using Kv.Protocol;

namespace Kv.Server.Tests.Expiry;

/// <summary>
/// SETX over a socket, every option in success and refusal, against a store whose clock the test moves: the result
/// bits (applied, existed), the previous value, and the expiry each option leaves.
/// </summary>
public class SetXTests
{
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
    public async Task Without_options_it_writes_whatever_the_key_holds_and_says_whether_it_existed()
    {
        (await _server.ExecuteAsync(Command.SetX("k", "1", requestId: 1))).Should().Be(Response.SetReply(SetReplyFlags.Applied, null, 1));
        (await _server.ExecuteAsync(Command.SetX("k", "2", requestId: 2))).Should().Be(Response.SetReply(SetReplyFlags.Applied | SetReplyFlags.Existed, null, 2));
        (await _server.GetAsync("k")).Should().Be("2");
        (await _server.TtlAsync("k")).Should().Be(-1);
    }

    [Test]
    public async Task Without_options_it_removes_an_expiry_as_a_plain_SET_does()
    {
        await _server.ExecuteAsync(Command.SetX("k", "1", SetFlags.RelativeExpiry, 1000, 1));
        (await _server.TtlAsync("k")).Should().Be(1000);

        await _server.ExecuteAsync(Command.SetX("k", "2", requestId: 2));
        (await _server.TtlAsync("k")).Should().Be(-1);
        _server.Clock.Advance(5000);
        (await _server.GetAsync("k")).Should().Be("2");
    }

    [Test]
    public async Task NX_writes_only_a_missing_key()
    {
        (await _server.ExecuteAsync(Command.SetX("k", "first", SetFlags.IfMissing, 0, 1))).Should().Be(Response.SetReply(SetReplyFlags.Applied, null, 1));
        (await _server.ExecuteAsync(Command.SetX("k", "second", SetFlags.IfMissing, 0, 2))).Should().Be(Response.SetReply(SetReplyFlags.Existed, null, 2), "the condition did not hold: still OK, applied clear");
        (await _server.GetAsync("k")).Should().Be("first");
    }

    [Test]
    public async Task XX_writes_only_an_existing_key()
    {
        (await _server.ExecuteAsync(Command.SetX("k", "never", SetFlags.IfExists, 0, 1))).Should().Be(Response.SetReply(SetReplyFlags.None, null, 1));
        (await _server.GetAsync("k")).Should().BeNull();

        await _server.ExecuteAsync(Command.Set("k", "old", ProtocolVersion.V1, 2));
        (await _server.ExecuteAsync(Command.SetX("k", "new", SetFlags.IfExists, 0, 3))).Should().Be(Response.SetReply(SetReplyFlags.Applied | SetReplyFlags.Existed, null, 3));
        (await _server.GetAsync("k")).Should().Be("new");
    }

    [Test]
    public async Task GET_answers_the_previous_value_when_there_was_one()
    {
        (await _server.ExecuteAsync(Command.SetX("k", "1", SetFlags.ReturnPrevious, 0, 1))).Should().Be(Response.SetReply(SetReplyFlags.Applied, null, 1), "no previous value");
        (await _server.ExecuteAsync(Command.SetX("k", "2", SetFlags.ReturnPrevious, 0, 2))).Should().Be(Response.SetReply(SetReplyFlags.Applied | SetReplyFlags.Existed, "1"u8.ToArray(), 2));

        await _server.ExecuteAsync(Command.Set("empty", "", ProtocolVersion.V1, 3));
        var reply = await _server.ExecuteAsync(Command.SetX("empty", "x", SetFlags.ReturnPrevious, 0, 4));
        reply.Should().Be(Response.SetReply(SetReplyFlags.Applied | SetReplyFlags.Existed, [], 4), "an empty previous value is told from none by the existed bit");
        reply.TryReadSetReply(out var flags, out var previous).Should().BeTrue();
        (flags & SetReplyFlags.Existed).Should().Be(SetReplyFlags.Existed);
        previous.IsEmpty.Should().BeTrue();
    }

    [Test]
    public async Task GET_with_a_condition_that_does_not_hold_still_answers_the_value_and_changes_nothing()
    {
        await _server.ExecuteAsync(Command.Set("lock", "owner-1", ProtocolVersion.V1, 1));

        // The lock pattern: take it if free, else learn who holds it.
        (await _server.ExecuteAsync(Command.SetX("lock", "owner-2", SetFlags.IfMissing | SetFlags.ReturnPrevious | SetFlags.RelativeExpiry, 30_000, 2)))
            .Should().Be(Response.SetReply(SetReplyFlags.Existed, "owner-1"u8.ToArray(), 2));
        (await _server.GetAsync("lock")).Should().Be("owner-1");
        (await _server.TtlAsync("lock")).Should().Be(-1, "nothing changed, the expiry neither");

        (await _server.ExecuteAsync(Command.SetX("missing", "v", SetFlags.IfExists | SetFlags.ReturnPrevious, 0, 3))).Should().Be(Response.SetReply(SetReplyFlags.None, null, 3));
        (await _server.GetAsync("missing")).Should().BeNull();
    }

    [Test]
    public async Task GET_answers_a_previous_value_larger_than_the_room_taken_for_it()
    {
        // The answer takes room for a previous value as long as the new one before the write; a longer one takes its
        // room while the write runs (the send buffer starts at 4 KiB).
        var large = new byte[300_000];
        new Random(3).NextBytes(large);
        await _server.ExecuteAsync(Command.Set("k"u8.ToArray(), large, ProtocolVersion.V1, 1));

        (await _server.ExecuteAsync(Command.SetX("k"u8.ToArray(), "s"u8.ToArray(), SetFlags.ReturnPrevious, 0, 2)))
            .Should().Be(Response.SetReply(SetReplyFlags.Applied | SetReplyFlags.Existed, large, 2));
        (await _server.ExecuteAsync(Command.SetX("k"u8.ToArray(), large, SetFlags.ReturnPrevious, 0, 3)))
            .Should().Be(Response.SetReply(SetReplyFlags.Applied | SetReplyFlags.Existed, "s"u8.ToArray(), 3));
    }

    [Test]
    public async Task Pipelined_SETX_GET_answers_stay_whole_and_in_order()
    {
        await _server.Connection.SendAsync(WireConnection.Encode(
        [
            Command.SetX("k", "a", SetFlags.ReturnPrevious, 0, 1),
            Command.SetX("k", "bb", SetFlags.ReturnPrevious | SetFlags.RelativeExpiry, 500, 2),
            Command.Get("k", ProtocolVersion.V1, 3),
            Command.SetX("k", "ccc", SetFlags.IfMissing | SetFlags.ReturnPrevious, 0, 4),
            Command.SetX("k", "dddd", SetFlags.IfExists | SetFlags.ReturnPrevious | SetFlags.KeepTtl, 0, 5),
            Command.Ttl("k", 6),
            Command.Ping("end", ProtocolVersion.V1, 7),
        ]));

        (await _server.Connection.ReadResponseAsync()).Should().Be(Response.SetReply(SetReplyFlags.Applied, null, 1));
        (await _server.Connection.ReadResponseAsync()).Should().Be(Response.SetReply(SetReplyFlags.Applied | SetReplyFlags.Existed, "a"u8.ToArray(), 2));
        (await _server.Connection.ReadResponseAsync()).Should().Be(Response.Ok("bb", ProtocolVersion.V1, 3));
        (await _server.Connection.ReadResponseAsync()).Should().Be(Response.SetReply(SetReplyFlags.Existed, "bb"u8.ToArray(), 4));
        (await _server.Connection.ReadResponseAsync()).Should().Be(Response.SetReply(SetReplyFlags.Applied | SetReplyFlags.Existed, "bb"u8.ToArray(), 5));
        (await _server.Connection.ReadResponseAsync()).Should().Be(Response.TimeToLive(500, 6));
        (await _server.Connection.ReadResponseAsync()).Should().Be(Response.Ok("end", ProtocolVersion.V1, 7));
    }

    [Test]
    public async Task KEEPTTL_keeps_the_expiry_the_key_had()
    {
        await _server.ExecuteAsync(Command.SetX("k", "1", SetFlags.RelativeExpiry, 5000, 1));
        _server.Clock.Advance(1000);

        (await _server.ExecuteAsync(Command.SetX("k", "2", SetFlags.KeepTtl, 0, 2))).Should().Be(Response.SetReply(SetReplyFlags.Applied | SetReplyFlags.Existed, null, 2));
        (await _server.TtlAsync("k")).Should().Be(4000);
        (await _server.GetAsync("k")).Should().Be("2");

        (await _server.ExecuteAsync(Command.SetX("none", "1", SetFlags.KeepTtl, 0, 3))).Should().Be(Response.SetReply(SetReplyFlags.Applied, null, 3));
        (await _server.TtlAsync("none")).Should().Be(-1, "a new key has no expiry to keep");
        await _server.ExecuteAsync(Command.SetX("none", "2", SetFlags.KeepTtl, 0, 4));
        (await _server.TtlAsync("none")).Should().Be(-1);

        _server.Clock.Advance(4000);
        (await _server.GetAsync("k")).Should().BeNull("the kept expiry still applies");
    }

    [Test]
    public async Task PX_expires_the_key_that_many_milliseconds_later()
    {
        (await _server.ExecuteAsync(Command.SetX("k", "v", SetFlags.RelativeExpiry, 1000, 1))).Should().Be(Response.SetReply(SetReplyFlags.Applied, null, 1));
        (await _server.TtlAsync("k")).Should().Be(1000);

        _server.Clock.Advance(999);
        (await _server.TtlAsync("k")).Should().Be(1);
        (await _server.GetAsync("k")).Should().Be("v");

        _server.Clock.Advance(1);
        (await _server.GetAsync("k")).Should().BeNull();
        (await _server.TtlAsync("k")).Should().BeNull();
        (await _server.ExecuteAsync(Command.Get("k"))).Should().Be(Response.Error("Key not found"), "version 0 sees an expired key as missing");
    }

    [Test]
    public async Task PXAT_expires_the_key_at_that_Unix_time_and_a_time_already_past_removes_it()
    {
        (await _server.ExecuteAsync(Command.SetX("k", "v", SetFlags.AbsoluteExpiry, _server.UnixNow + 2000, 1))).Should().Be(Response.SetReply(SetReplyFlags.Applied, null, 1));
        (await _server.TtlAsync("k")).Should().Be(2000);

        (await _server.ExecuteAsync(Command.SetX("k", "w", SetFlags.AbsoluteExpiry | SetFlags.ReturnPrevious, _server.UnixNow - 1, 2)))
            .Should().Be(Response.SetReply(SetReplyFlags.Applied | SetReplyFlags.Existed, "v"u8.ToArray(), 2), "applied, and gone at once, as in Redis");
        (await _server.GetAsync("k")).Should().BeNull();

        (await _server.ExecuteAsync(Command.SetX("never", "v", SetFlags.AbsoluteExpiry, 1, 3))).Should().Be(Response.SetReply(SetReplyFlags.Applied, null, 3));
        (await _server.GetAsync("never")).Should().BeNull();
        _server.Store.Count.Should().Be(0);
    }

    [Test]
    public async Task NX_with_PX_is_a_lock_that_frees_itself()
    {
        var take = Command.SetX("lock", "me", SetFlags.IfMissing | SetFlags.RelativeExpiry, 10_000, 1);
        (await _server.ExecuteAsync(take)).Should().Be(Response.SetReply(SetReplyFlags.Applied, null, 1));
        (await _server.ExecuteAsync(take)).Should().Be(Response.SetReply(SetReplyFlags.Existed, null, 1));

        _server.Clock.Advance(10_000);
        (await _server.ExecuteAsync(take)).Should().Be(Response.SetReply(SetReplyFlags.Applied, null, 1), "the expired holder does not count as existing");
    }
}
