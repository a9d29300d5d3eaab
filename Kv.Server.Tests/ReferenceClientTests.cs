using System.Net.Sockets;
using Kv.Protocol;

namespace Kv.Server.Tests;

/// <summary>
/// What the reference implementation's own client does and expects (../shared/protocol/WIRE.md): version 0 only, one
/// request at a time, each response read with a single read, so each response must arrive in one piece.
/// </summary>
public class ReferenceClientTests
{
    private InProcessServer _server = null!;

    [SetUp]
    public void Start() => _server = InProcessServer.Start();

    [TearDown]
    public async Task StopAsync() => await _server.DisposeAsync();

    [Test]
    public async Task Ping_sends_pong_and_gets_pong() =>
        (await SingleReadExchangeAsync(Command.Ping("PONG"))).Should().Be(Response.Ok("PONG"));

    [Test]
    public async Task Ping_with_a_value_echoes_it() =>
        (await SingleReadExchangeAsync(Command.Ping("Hello world"))).Should().Be(Response.Ok("Hello world"));

    [Test]
    public async Task Set_then_get()
    {
        (await SingleReadExchangeAsync(Command.Set("test_set_get-key", "value"))).Should().Be(Response.Ok("test_set_get-key"));
        (await SingleReadExchangeAsync(Command.Get("test_set_get-key"))).Should().Be(Response.Ok("value"));
    }

    [Test]
    public async Task Overwrite_then_get()
    {
        await SingleReadExchangeAsync(Command.Set("test_overwrite-key", "first"));
        await SingleReadExchangeAsync(Command.Set("test_overwrite-key", "second"));
        (await SingleReadExchangeAsync(Command.Get("test_overwrite-key"))).Should().Be(Response.Ok("second"));
    }

    [Test]
    public async Task Clear_then_get()
    {
        await SingleReadExchangeAsync(Command.Set("test_clear-key", "value"));
        (await SingleReadExchangeAsync(Command.Clear("test_clear-key"))).Should().Be(Response.Ok("value"));
        (await SingleReadExchangeAsync(Command.Get("test_clear-key"))).Should().Be(Response.Error("Key not found"));
    }

    /// <summary>The golden vectors of WIRE.md, in order on one connection: the server's bytes must match exactly.</summary>
    [Test]
    public async Task Golden_vectors_match_byte_for_byte()
    {
        (string Request, string Response)[] vectors =
        [
            ("00 0001 00000001 6b 00000001 76", "00 00 00000001 6b"),
            ("00 0000 00000001 6b", "00 00 00000001 76"),
            ("00 0000 00000007 6d697373696e67", "00 01 0000000d 4b6579206e6f7420666f756e64"),
            ("00 0002 00000001 6b", "00 00 00000001 76"),
            ("00 0002 00000007 6d697373696e67", "00 00 00000000"),
            ("00 0003 00000000", "00 00 00000004 504f4e47"),
            ("00 0003 00000005 68656c6c6f", "00 00 00000005 68656c6c6f"),
            ("00 0001 00000001 65 00000000", "00 00 00000001 65"),
            ("00 0000 00000001 65", "00 00 00000000"),
            ("00 0001 00000002 6b32 00000001 61", "00 00 00000002 6b32"),
            ("00 0001 00000002 6b32 00000001 62", "00 00 00000002 6b32"),
            ("00 0000 00000002 6b32", "00 00 00000001 62"),
            ("00 0001 00000008 d0bad0bbd18ed187 00000013 d0b7d0bdd0b0d187d0b5d0bdd0b8d0b5e29c93", "00 00 00000008 d0bad0bbd18ed187"),
            ("00 0000 00000008 d0bad0bbd18ed187", "00 00 00000013 d0b7d0bdd0b0d187d0b5d0bdd0b8d0b5e29c93"),
            ("00 0001 00000000 00000001 76 00 0000 00000000 00 0002 00000000 00 0000 00000000",
             "00 00 00000000 00 00 00000001 76 00 00 00000001 76 00 01 0000000d 4b6579206e6f7420666f756e64"),
        ];

        using var connection = await _server.ConnectAsync();
        foreach (var (request, response) in vectors)
        {
            var expected = Hex(response);
            await connection.SendAsync(Hex(request));
            var received = await ReceiveExactlyAsync(connection.Socket, expected.Length);
            Convert.ToHexString(received).Should().Be(Convert.ToHexString(expected), $"the answer to {request}");
        }
    }

    [Test]
    public async Task Golden_vector_16_a_one_mebibyte_set_succeeds_where_the_reference_reset()
    {
        using var connection = await _server.ConnectAsync();
        var request = Hex("00 0001 00000003 626967 00100000").Concat(Enumerable.Repeat((byte)'x', 1 << 20)).ToArray();
        await connection.SendAsync(request);
        Convert.ToHexString(await ReceiveExactlyAsync(connection.Socket, 9)).Should().Be("000000000003626967");
        (await connection.ExecuteAsync(Command.Get("big"))).Payload.Should().HaveCount(1 << 20).And.OnlyContain(b => b == (byte)'x');
    }

    [Test]
    public async Task A_nonzero_header_byte_from_an_unknown_version_is_refused_in_version_0_form()
    {
        using var connection = await _server.ConnectAsync();
        await connection.SendAsync(Hex("ff 0003 00000004 68647231"));
        var response = await connection.ReadResponseAsync();
        response.Version.Should().Be(ProtocolVersion.V0);
        response.Status.Should().Be(ResponseStatus.Error);
        response.PayloadText.Should().Contain("unsupported protocol version 255");
    }

    // A fresh connection per request and one receive call, as the reference client reads.
    private async Task<Response> SingleReadExchangeAsync(Command command)
    {
        using var connection = await _server.ConnectAsync();
        await connection.SendAsync(command);
        var buffer = new byte[1024];
        using var cts = new CancellationTokenSource(WireConnection.DefaultTimeout);
        var received = await connection.Socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
        var status = ResponseParser.Default.TryParse(buffer.AsSpan(0, received), out var view, out _);
        status.Should().Be(ParseStatus.Complete, "a response must arrive whole in one read");
        view.FrameLength.Should().Be(received);
        return view.ToResponse();
    }

    private static async Task<byte[]> ReceiveExactlyAsync(Socket socket, int count)
    {
        var buffer = new byte[count];
        var received = 0;
        using var cts = new CancellationTokenSource(WireConnection.DefaultTimeout);
        while (received < count)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(received), SocketFlags.None, cts.Token);
            if (n == 0)
            {
                throw new EndOfStreamException();
            }

            received += n;
        }

        return buffer;
    }

    private static byte[] Hex(string text) => Convert.FromHexString(text.Replace(" ", string.Empty));
}
