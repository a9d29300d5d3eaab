using Kv.Protocol;

namespace Kv.Server.Tests;

/// <summary>Requests arrive in any chunking the network chooses; every one is answered, in order.</summary>
public class PipeliningTests
{
    private InProcessServer _server = null!;

    [SetUp]
    public void Start() => _server = InProcessServer.Start();

    [TearDown]
    public async Task StopAsync() => await _server.DisposeAsync();

    [Test]
    public async Task Ten_thousand_requests_in_one_write_are_all_answered_in_order([Values] ProtocolVersion version)
    {
        const int count = 10_000;
        var commands = new List<Command>(count);
        for (var i = 0; i < count; i++)
        {
            var id = version == ProtocolVersion.V1 ? (uint)i : 0;
            commands.Add(i % 2 == 0 ? Command.Set($"key-{i / 2}", $"value-{i / 2}", version, id) : Command.Get($"key-{i / 2}", version, id));
        }

        using var connection = await _server.ConnectAsync();

        // One write, read while it is sent: the server stops reading once 256 KiB of responses wait to be sent, and
        // a client that finished writing before reading could then wait for ever on a receive window that does not
        // grow while nobody reads (it did, now and then, on a busy machine).
        var sending = connection.SendAsync(WireConnection.Encode(commands));
        for (var i = 0; i < count; i++)
        {
            var response = await connection.ReadResponseAsync();
            response.Status.Should().Be(ResponseStatus.Ok);
            response.RequestId.Should().Be(version == ProtocolVersion.V1 ? (uint)i : 0);
            if (i % 2 == 1)
            {
                response.PayloadText.Should().Be($"value-{i / 2}");
            }
        }

        await sending;
    }

    [Test]
    public async Task A_stream_written_one_byte_at_a_time_is_reassembled([Values] ProtocolVersion version)
    {
        var commands = new[]
        {
            Command.Set("split-key", "split-value", version),
            Command.Get("split-key", version),
            Command.Ping("", version),
            Command.Clear("split-key", version),
        };
        var bytes = WireConnection.Encode(commands);

        using var connection = await _server.ConnectAsync();
        foreach (var b in bytes)
        {
            await connection.SendAsync(new[] { b });
            await Task.Delay(1);
        }

        (await connection.ReadResponseAsync()).Status.Should().Be(ResponseStatus.Ok);
        (await connection.ReadResponseAsync()).PayloadText.Should().Be("split-value");
        (await connection.ReadResponseAsync()).PayloadText.Should().Be("PONG");
        (await connection.ReadResponseAsync()).PayloadText.Should().Be("split-value");
    }

    [Test]
    public async Task A_frame_cut_at_every_point_and_sent_in_two_writes_is_answered()
    {
        var frame = WireConnection.Encode(Command.Set("cut", "somewhere in the middle"));
        using var connection = await _server.ConnectAsync();
        for (var cut = 1; cut < frame.Length; cut++)
        {
            await connection.SendAsync(frame[..cut]);
            await Task.Delay(2);
            await connection.SendAsync(frame[cut..]);
            (await connection.ReadResponseAsync()).Should().Be(Response.Ok("cut"));
        }
    }

    [Test]
    public async Task A_large_frame_that_outgrows_the_receive_buffer_is_reassembled()
    {
        var value = new byte[3 * 1024 * 1024 + 17];
        new Random(7).NextBytes(value);
        using var connection = await _server.ConnectAsync();
        var bytes = WireConnection.Encode(new[] { Command.Set("large"u8.ToArray(), value, ProtocolVersion.V1, 1), Command.Get("large"u8.ToArray(), ProtocolVersion.V1, 2) });
        for (var offset = 0; offset < bytes.Length; offset += 100_000)
        {
            await connection.SendAsync(bytes[offset..Math.Min(bytes.Length, offset + 100_000)]);
        }

        (await connection.ReadResponseAsync()).Should().Be(Response.Ok([], ProtocolVersion.V1, 1));
        (await connection.ReadResponseAsync()).Payload.Should().Equal(value);
    }
}
