using Kv.Protocol;

namespace Kv.Server.Tests;

/// <summary>
/// Every kind of bad frame gets one ERROR response that says what was wrong; unrecoverable ones close that
/// connection; none of them disturbs the server, the store or other connections.
/// </summary>
public class BadInputTests
{
    private InProcessServer _server = null!;
    private WireConnection _bystander = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _server = InProcessServer.Start(o => o with { MaxFrameBytes = 1024 * 1024 });
        _bystander = await _server.ConnectAsync();
        await _bystander.ExecuteAsync(Command.Set("kept", "safe"));
    }

    [TearDown]
    public async Task StopAsync()
    {
        // The connection that was open throughout, and a new one, both still work, and the store is intact.
        (await _bystander.ExecuteAsync(Command.Get("kept"))).Should().Be(Response.Ok("safe"));
        using (var fresh = await _server.ConnectAsync())
        {
            (await fresh.ExecuteAsync(Command.Ping("still here"))).Should().Be(Response.Ok("still here"));
        }

        _bystander.Dispose();
        await _server.DisposeAsync();
    }

    [TestCase("07 0003 00000000", "unsupported protocol version 7")]
    [TestCase("ff", "unsupported protocol version 255")]
    [TestCase("02 0000 00000001 00000005 00000001 6b", "unsupported protocol version 2")]
    [TestCase("00 00ff 00000001 6b", "unknown command 255")]
    [TestCase("00 00ff", "unknown command 255")]
    [TestCase("00 0004 00000001 6b 00000001 76", "unknown command 4")] // SETX: version 1 only
    [TestCase("00 0007 00000001 6b", "unknown command 7")] // TTL: version 1 only
    [TestCase("00 0000 ffffffff", "string of 4294967295 bytes exceeds the frame size limit")]
    [TestCase("00 0001 ffffffff", "string of 4294967295 bytes exceeds the frame size limit")]
    [TestCase("00 0001 00000001 6b 00100000", "string of 1048576 bytes exceeds the frame size limit")]
    public async Task Fatal_bad_input_is_answered_in_version_0_and_the_connection_closed(string hex, string message)
    {
        using var connection = await _server.ConnectAsync();
        await connection.SendAsync(Hex(hex));

        var response = await connection.ReadResponseAsync();
        response.Should().Be(Response.Error(response.PayloadText));
        response.PayloadText.Should().Contain(message);
        (await connection.IsClosedByServerAsync(TimeSpan.FromSeconds(5))).Should().BeTrue();
    }

    [Test]
    public async Task A_version_1_frame_over_the_limit_is_refused_with_its_request_id_before_the_body_arrives()
    {
        using var connection = await _server.ConnectAsync();
        await connection.SendAsync(Hex("01 0001 0000002a ffffffff"));

        var response = await connection.ReadResponseAsync();
        response.Version.Should().Be(ProtocolVersion.V1);
        response.Status.Should().Be(ResponseStatus.Error);
        response.ErrorCode.Should().Be(ProtocolErrorCode.FrameTooLarge);
        response.RequestId.Should().Be(42);
        (await connection.IsClosedByServerAsync(TimeSpan.FromSeconds(5))).Should().BeTrue();
    }

    [TestCase("01 00ff 00000009 00000005 00000001 6b", ProtocolErrorCode.UnknownCommand, 9u)]
    [TestCase("01 0004 00000007 00000010 00000001 6b 00000001 76 0011 000003e8", ProtocolErrorCode.MalformedFrame, 7u)] // SETX, half a time
    [TestCase("01 0005 00000008 00000010 00000001 6b 0010 000000000000ea60 00", ProtocolErrorCode.MalformedFrame, 8u)] // EXPIRE, a byte over
    [TestCase("01 0000 00000005 00000006 00000001 6b 00", ProtocolErrorCode.MalformedFrame, 5u)]
    [TestCase("01 0001 00000006 00000005 00000001 6b", ProtocolErrorCode.MalformedFrame, 6u)]
    public async Task Recoverable_version_1_errors_are_answered_and_the_connection_stays_open(string hex, ProtocolErrorCode code, uint requestId)
    {
        using var connection = await _server.ConnectAsync();
        await connection.SendAsync(Hex(hex).Concat(WireConnection.Encode(Command.Ping("after", ProtocolVersion.V1, 100))).ToArray());

        var error = await connection.ReadResponseAsync();
        error.Status.Should().Be(ResponseStatus.Error);
        error.ErrorCode.Should().Be(code);
        error.RequestId.Should().Be(requestId);
        (await connection.ReadResponseAsync()).Should().Be(Response.Ok("after", ProtocolVersion.V1, 100));
    }

    [Test]
    public async Task Requests_before_a_bad_frame_in_the_same_write_are_answered_first()
    {
        using var connection = await _server.ConnectAsync();
        var bytes = WireConnection.Encode(new[] { Command.Set("before", "1"), Command.Ping("before") }).Concat(Hex("00 00ff 00000001 6b")).ToArray();
        await connection.SendAsync(bytes);

        (await connection.ReadResponseAsync()).Should().Be(Response.Ok("before"));
        (await connection.ReadResponseAsync()).Should().Be(Response.Ok("before"));
        (await connection.ReadResponseAsync()).Status.Should().Be(ResponseStatus.Error);
        (await connection.IsClosedByServerAsync(TimeSpan.FromSeconds(5))).Should().BeTrue();
        (await _bystander.ExecuteAsync(Command.Get("before"))).Should().Be(Response.Ok("1"));
    }

    [Test]
    public async Task A_client_that_vanishes_mid_frame_applies_nothing()
    {
        using (var connection = await _server.ConnectAsync())
        {
            var frame = WireConnection.Encode(Command.Set("half", "never stored"));
            await connection.SendAsync(frame[..(frame.Length - 3)]);
        }

        await Task.Delay(100);
        (await _bystander.ExecuteAsync(Command.Get("half"))).Should().Be(Response.Error("Key not found"));
    }

    [Test]
    public async Task Random_garbage_never_crashes_the_server()
    {
        var random = new Random(12345);
        for (var i = 0; i < 50; i++)
        {
            using var connection = await _server.ConnectAsync();
            var garbage = new byte[random.Next(1, 2000)];
            random.NextBytes(garbage);
            await connection.SendAsync(garbage);
            connection.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            await connection.ReadToEndAsync();
        }
    }

    private static byte[] Hex(string text) => Convert.FromHexString(text.Replace(" ", string.Empty));
}
