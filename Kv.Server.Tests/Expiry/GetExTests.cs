using Kv.Protocol;

namespace Kv.Server.Tests.Expiry;

/// <summary>
/// GETEX (each option) and GETDEL over a socket, against a store whose clock the test moves; and an expired key, which no
/// command of either version returns or counts as existing.
/// </summary>
public class GetExTests
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
    public async Task GETEX_without_an_option_reads_and_leaves_the_expiry_alone()
    {
        (await _server.ExecuteAsync(Command.GetEx("k", requestId: 1))).Should().Be(Response.NotFound(1));
        await _server.ExecuteAsync(Command.SetX("k", "v", SetFlags.RelativeExpiry, 5000, 2));

        (await _server.ExecuteAsync(Command.GetEx("k", requestId: 3))).Should().Be(Response.Ok("v", ProtocolVersion.V1, 3));
        (await _server.TtlAsync("k")).Should().Be(5000);
    }

    [Test]
    public async Task GETEX_PX_reads_and_sets_a_relative_expiry()
    {
        await _server.ExecuteAsync(Command.Set("k", "v", ProtocolVersion.V1, 1));
        (await _server.ExecuteAsync(Command.GetEx("k", GetExFlags.RelativeExpiry, 30_000, 2))).Should().Be(Response.Ok("v", ProtocolVersion.V1, 2));
        (await _server.TtlAsync("k")).Should().Be(30_000);

        (await _server.ExecuteAsync(Command.GetEx("k", GetExFlags.RelativeExpiry, 10_000, 3))).Should().Be(Response.Ok("v", ProtocolVersion.V1, 3));
        (await _server.TtlAsync("k")).Should().Be(10_000, "GETEX has no condition: a sooner time applies too");
        (await _server.ExecuteAsync(Command.GetEx("missing", GetExFlags.RelativeExpiry, 10_000, 4))).Should().Be(Response.NotFound(4));
    }

    [Test]
    public async Task GETEX_PXAT_reads_and_sets_an_absolute_expiry_and_a_time_already_past_removes_the_key_after_the_read()
    {
        await _server.ExecuteAsync(Command.Set("k", "v", ProtocolVersion.V1, 1));
        (await _server.ExecuteAsync(Command.GetEx("k", GetExFlags.AbsoluteExpiry, _server.UnixNow + 4000, 2))).Should().Be(Response.Ok("v", ProtocolVersion.V1, 2));
        (await _server.TtlAsync("k")).Should().Be(4000);

        (await _server.ExecuteAsync(Command.GetEx("k", GetExFlags.AbsoluteExpiry, 1, 3))).Should().Be(Response.Ok("v", ProtocolVersion.V1, 3));
        (await _server.GetAsync("k")).Should().BeNull();
    }

    [Test]
    public async Task GETEX_PERSIST_reads_and_removes_the_expiry()
    {
        await _server.ExecuteAsync(Command.SetX("k", "v", SetFlags.RelativeExpiry, 1000, 1));
        (await _server.ExecuteAsync(Command.GetEx("k", GetExFlags.Persist, 0, 2))).Should().Be(Response.Ok("v", ProtocolVersion.V1, 2));
        (await _server.TtlAsync("k")).Should().Be(-1);
        _server.Clock.Advance(5000);
        (await _server.GetAsync("k")).Should().Be("v");

        (await _server.ExecuteAsync(Command.GetEx("k", GetExFlags.Persist, 0, 3))).Should().Be(Response.Ok("v", ProtocolVersion.V1, 3), "a key without an expiry is read all the same");
    }

    [Test]
    public async Task GETEX_answers_a_large_value_whole()
    {
        var large = new byte[200_000];
        new Random(5).NextBytes(large);
        await _server.ExecuteAsync(Command.Set("k"u8.ToArray(), large, ProtocolVersion.V1, 1));

        (await _server.ExecuteAsync(Command.GetEx("k"u8.ToArray(), GetExFlags.RelativeExpiry, 1000, 2))).Should().Be(Response.Ok(large, ProtocolVersion.V1, 2));
        (await _server.ExecuteAsync(Command.GetEx("k"u8.ToArray(), GetExFlags.Persist, 0, 3))).Should().Be(Response.Ok(large, ProtocolVersion.V1, 3));
    }

    [Test]
    public async Task GETDEL_removes_the_key_and_answers_its_value_as_version_1_CLEAR_does()
    {
        (await _server.ExecuteAsync(Command.GetDel("k", 1))).Should().Be(Response.NotFound(1));
        await _server.ExecuteAsync(Command.Set("k", "v", ProtocolVersion.V1, 2));
        await _server.ExecuteAsync(Command.Set("empty", "", ProtocolVersion.V1, 3));

        (await _server.ExecuteAsync(Command.GetDel("k", 4))).Should().Be(Response.Ok("v", ProtocolVersion.V1, 4));
        (await _server.ExecuteAsync(Command.GetDel("k", 5))).Should().Be(Response.NotFound(5));
        (await _server.ExecuteAsync(Command.GetDel("empty", 6))).Should().Be(Response.Ok([], ProtocolVersion.V1, 6), "an empty value is not a missing key");

        await _server.ExecuteAsync(Command.Set("k", "v", ProtocolVersion.V1, 7));
        var clear = await _server.ExecuteAsync(Command.Clear("k", ProtocolVersion.V1, 8));
        await _server.ExecuteAsync(Command.Set("k", "v", ProtocolVersion.V1, 7));
        var getdel = await _server.ExecuteAsync(Command.GetDel("k", 8));
        getdel.Should().Be(clear);
    }

    [Test]
    public async Task An_expired_key_is_missing_for_every_command_of_both_versions()
    {
        await _server.ExecuteAsync(Command.SetX("k", "old", SetFlags.RelativeExpiry, 100, 1));
        _server.Clock.Advance(100);

        (await _server.ExecuteAsync(Command.Get("k"))).Should().Be(Response.Error("Key not found"));
        (await _server.ExecuteAsync(Command.Clear("k"))).Should().Be(Response.Ok(""), "version 0's CLEAR of a missing key");
        await _server.ExecuteAsync(Command.SetX("k", "old", SetFlags.RelativeExpiry, 100, 1));
        _server.Clock.Advance(100);
        (await _server.ExecuteAsync(Command.Get("k", ProtocolVersion.V1, 2))).Should().Be(Response.NotFound(2));
        (await _server.ExecuteAsync(Command.GetEx("k", GetExFlags.Persist, 0, 3))).Should().Be(Response.NotFound(3));
        (await _server.ExecuteAsync(Command.GetDel("k", 4))).Should().Be(Response.NotFound(4));
        (await _server.ExecuteAsync(Command.Ttl("k", 5))).Should().Be(Response.NotFound(5));
        (await _server.ExecuteAsync(Command.Persist("k", 6))).Should().Be(Response.NotFound(6));
        (await _server.ExecuteAsync(Command.Expire("k", ExpireFlags.RelativeExpiry, 1000, 7))).Should().Be(Response.NotFound(7));
        (await _server.ExecuteAsync(Command.SetX("k", "new", SetFlags.IfExists | SetFlags.ReturnPrevious, 0, 8))).Should().Be(Response.SetReply(SetReplyFlags.None, null, 8));
        (await _server.ExecuteAsync(Command.SetX("k", "new", SetFlags.IfMissing | SetFlags.ReturnPrevious, 0, 9))).Should().Be(Response.SetReply(SetReplyFlags.Applied, null, 9), "not existed, and no previous value");
        (await _server.GetAsync("k")).Should().Be("new");
    }
}
