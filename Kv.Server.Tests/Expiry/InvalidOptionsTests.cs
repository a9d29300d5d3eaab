using Kv.Protocol;

namespace Kv.Server.Tests.Expiry;

/// <summary>
/// Invalid flags or times get ERROR InvalidArgument (11) with the request's id and the shared validation's message;
/// nothing changes, and the connection goes on. Version 0 has none of the expiry commands.
/// </summary>
public class InvalidOptionsTests
{
    private InProcessServer _server = null!;
    private WireConnection _connection = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _server = InProcessServer.Start();
        _connection = await _server.ConnectAsync();
        await _connection.ExecuteAsync(Command.Set("k", "kept", ProtocolVersion.V1, 1));
    }

    [TearDown]
    public async Task StopAsync()
    {
        _server.Errors.Should().BeEmpty();
        _connection.Dispose();
        await _server.DisposeAsync();
    }

    private static IEnumerable<TestCaseData> InvalidRequests()
    {
        yield return Case("SETX NX XX", Command.SetX("k", "new", SetFlags.IfMissing | SetFlags.IfExists));
        yield return Case("SETX PX PXAT", Command.SetX("k", "new", SetFlags.RelativeExpiry | SetFlags.AbsoluteExpiry, 1000));
        yield return Case("SETX KEEPTTL PX", Command.SetX("k", "new", SetFlags.KeepTtl | SetFlags.RelativeExpiry, 1000));
        yield return Case("SETX KEEPTTL PXAT", Command.SetX("k", "new", SetFlags.KeepTtl | SetFlags.AbsoluteExpiry, 1000));
        yield return Case("SETX unknown bit", Command.SetX("k", "new", (SetFlags)0x0100));
        yield return Case("SETX PX 0", Command.SetX("k", "new", SetFlags.RelativeExpiry, 0));
        yield return Case("SETX PX -1", Command.SetX("k", "new", SetFlags.RelativeExpiry, -1));
        yield return Case("SETX PXAT 0", Command.SetX("k", "new", SetFlags.AbsoluteExpiry, 0));
        yield return Case("SETX time without PX", Command.SetX("k", "new", SetFlags.IfExists, 1000));
        yield return Case("EXPIRE no kind of time", Command.Expire("k", ExpireFlags.None, 1000));
        yield return Case("EXPIRE both kinds of time", Command.Expire("k", ExpireFlags.RelativeExpiry | ExpireFlags.AbsoluteExpiry, 1000));
        yield return Case("EXPIRE NX XX", Command.Expire("k", ExpireFlags.IfNoExpiry | ExpireFlags.IfHasExpiry | ExpireFlags.RelativeExpiry, 1000));
        yield return Case("EXPIRE NX GT", Command.Expire("k", ExpireFlags.IfNoExpiry | ExpireFlags.IfLater | ExpireFlags.RelativeExpiry, 1000));
        yield return Case("EXPIRE NX LT", Command.Expire("k", ExpireFlags.IfNoExpiry | ExpireFlags.IfSooner | ExpireFlags.RelativeExpiry, -1));
        yield return Case("EXPIRE GT LT", Command.Expire("k", ExpireFlags.IfLater | ExpireFlags.IfSooner | ExpireFlags.AbsoluteExpiry, 1));
        yield return Case("EXPIRE unknown bit", Command.Expire("k", (ExpireFlags)0x8000 | ExpireFlags.RelativeExpiry, -1));
        yield return Case("GETEX PX PERSIST", Command.GetEx("k", GetExFlags.RelativeExpiry | GetExFlags.Persist, 1000));
        yield return Case("GETEX PX PXAT", Command.GetEx("k", GetExFlags.RelativeExpiry | GetExFlags.AbsoluteExpiry, 1000));
        yield return Case("GETEX PX 0", Command.GetEx("k", GetExFlags.RelativeExpiry, 0));
        yield return Case("GETEX PXAT -1", Command.GetEx("k", GetExFlags.AbsoluteExpiry, -1));
        yield return Case("GETEX PERSIST with a time", Command.GetEx("k", GetExFlags.Persist, 1));
        yield return Case("GETEX time without option", Command.GetEx("k", GetExFlags.None, 1));
        yield return Case("GETEX unknown bit", Command.GetEx("k", (GetExFlags)0x0001));

        static TestCaseData Case(string name, Command command) => new TestCaseData(command).SetArgDisplayNames(name);
    }

    [TestCaseSource(nameof(InvalidRequests))]
    public async Task Invalid_options_are_answered_InvalidArgument_and_change_nothing(Command command)
    {
        var request = new Command(command.Kind, command.Key, command.Value, command.Flags, command.Time, ProtocolVersion.V1, 42);
        var expected = CommandOptions.Validate(request.Kind, request.Flags, request.Time);
        expected.Should().NotBeNull();

        (await _connection.ExecuteAsync(request)).Should().Be(Response.Error(expected!, ProtocolVersion.V1, 42, ProtocolErrorCode.InvalidArgument));

        // Nothing changed, and the connection carries on.
        (await _connection.ExecuteAsync(Command.Get("k", ProtocolVersion.V1, 43))).Should().Be(Response.Ok("kept", ProtocolVersion.V1, 43));
        (await _connection.ExecuteAsync(Command.Ttl("k", 44))).Should().Be(Response.TimeToLive(-1, 44));
        _connection.PeerHasClosed().Should().BeFalse();
    }

    [Test]
    public async Task An_invalid_request_between_valid_ones_in_one_write_is_answered_in_its_place()
    {
        await _connection.SendAsync(WireConnection.Encode(
        [
            Command.SetX("a", "1", SetFlags.None, 0, 1),
            Command.SetX("a", "2", SetFlags.IfMissing | SetFlags.IfExists, 0, 2),
            Command.GetEx("a", GetExFlags.Persist, 5, 3),
            Command.Get("a", ProtocolVersion.V1, 4),
        ]));

        (await _connection.ReadResponseAsync()).Should().Be(Response.SetReply(SetReplyFlags.Applied, null, 1));
        var second = await _connection.ReadResponseAsync();
        (second.RequestId, second.ErrorCode).Should().Be((2u, ProtocolErrorCode.InvalidArgument));
        second.PayloadText.Should().Be("SETX: NX and XX cannot be combined");
        var third = await _connection.ReadResponseAsync();
        (third.RequestId, third.ErrorCode).Should().Be((3u, ProtocolErrorCode.InvalidArgument));
        third.PayloadText.Should().Be("GETEX: a time needs PX or PXAT");
        (await _connection.ReadResponseAsync()).Should().Be(Response.Ok("1", ProtocolVersion.V1, 4));
    }

    [Test]
    public async Task In_version_0_the_expiry_commands_are_unknown_commands_and_close_the_connection_as_any_unknown_command()
    {
        foreach (var spec in CommandTable.All.Where(s => s.Since == ProtocolVersion.V1))
        {
            using var connection = await _server.ConnectAsync();

            // A version-0 frame with this number: the header alone is enough to refuse it.
            await connection.SendAsync(new byte[] { 0, 0, (byte)spec.Kind, 0, 0, 0, 1, (byte)'k' });
            (await connection.ReadResponseAsync()).Should().Be(Response.Error($"unknown command {(ushort)spec.Kind}"), "{0} in version 0", spec);
            (await connection.IsClosedByServerAsync(TimeSpan.FromSeconds(5))).Should().BeTrue();
        }

        // Version 0 itself is as it was, on a connection that used the expiry commands in version 1.
        await _connection.ExecuteAsync(Command.SetX("v0", "x", SetFlags.RelativeExpiry, 3_600_000, 5));
        (await _connection.ExecuteAsync(Command.Set("v0", "y"))).Should().Be(Response.Ok("v0"));
        (await _connection.ExecuteAsync(Command.Get("v0"))).Should().Be(Response.Ok("y"));
        (await _connection.ExecuteAsync(Command.Ttl("v0", 6))).Should().Be(Response.TimeToLive(-1, 6), "a version-0 SET leaves no expiry, as a plain SET");
        (await _connection.ExecuteAsync(Command.Clear("v0"))).Should().Be(Response.Ok("y"));
        (await _connection.ExecuteAsync(Command.Clear("v0"))).Should().Be(Response.Ok(""));
    }
}
