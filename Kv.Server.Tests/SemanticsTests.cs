using Kv.Protocol;

namespace Kv.Server.Tests;

/// <summary>Every command's semantics in both protocol versions, over a real loopback connection.</summary>
public class SemanticsTests
{
    private static readonly byte[] Binary = [0x00, 0xFF, 0x80, 0xC3, 0x28, 0x0A];

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
        _connection.Dispose();
        await _server.DisposeAsync();
    }

    [Test]
    public async Task V0_set_answers_ok_with_the_key_and_get_returns_the_value()
    {
        (await _connection.ExecuteAsync(Command.Set("k", "v"))).Should().Be(Response.Ok("k"));
        (await _connection.ExecuteAsync(Command.Get("k"))).Should().Be(Response.Ok("v"));
    }

    [Test]
    public async Task V0_get_of_a_missing_key_is_the_reference_error()
    {
        (await _connection.ExecuteAsync(Command.Get("missing"))).Should().Be(Response.Error("Key not found"));
    }

    [Test]
    public async Task V0_clear_answers_the_removed_value_then_an_empty_ok()
    {
        await _connection.ExecuteAsync(Command.Set("k", "v"));
        (await _connection.ExecuteAsync(Command.Clear("k"))).Should().Be(Response.Ok("v"));
        (await _connection.ExecuteAsync(Command.Clear("k"))).Should().Be(Response.Ok(""));
        (await _connection.ExecuteAsync(Command.Get("k"))).Should().Be(Response.Error("Key not found"));
    }

    [Test]
    public async Task Ping_answers_pong_or_the_message([Values] ProtocolVersion version)
    {
        (await _connection.ExecuteAsync(Command.Ping("", version, 4))).Should().Be(Response.Ok("PONG", version, Id(version, 4)));
        (await _connection.ExecuteAsync(Command.Ping("hello", version, 5))).Should().Be(Response.Ok("hello", version, Id(version, 5)));
    }

    [Test]
    public async Task V1_set_answers_an_empty_ok_with_the_request_id()
    {
        (await _connection.ExecuteAsync(Command.Set("k", "v", ProtocolVersion.V1, 77))).Should().Be(Response.Ok([], ProtocolVersion.V1, 77));
        (await _connection.ExecuteAsync(Command.Get("k", ProtocolVersion.V1, 78))).Should().Be(Response.Ok("v", ProtocolVersion.V1, 78));
    }

    [Test]
    public async Task V1_tells_a_missing_key_from_an_empty_value()
    {
        (await _connection.ExecuteAsync(Command.Get("nothing", ProtocolVersion.V1, 1))).Should().Be(Response.NotFound(1));
        await _connection.ExecuteAsync(Command.Set("empty", "", ProtocolVersion.V1, 2));
        (await _connection.ExecuteAsync(Command.Get("empty", ProtocolVersion.V1, 3))).Should().Be(Response.Ok([], ProtocolVersion.V1, 3));
    }

    [Test]
    public async Task V1_clear_tells_whether_a_key_was_removed()
    {
        await _connection.ExecuteAsync(Command.Set("k", "", ProtocolVersion.V1, 1));
        (await _connection.ExecuteAsync(Command.Clear("k", ProtocolVersion.V1, 2))).Should().Be(Response.Ok([], ProtocolVersion.V1, 2));
        (await _connection.ExecuteAsync(Command.Clear("k", ProtocolVersion.V1, 3))).Should().Be(Response.NotFound(3));
    }

    [Test]
    public async Task Versions_share_one_keyspace_and_mix_on_one_connection()
    {
        await _connection.ExecuteAsync(Command.Set("shared", "from-v0"));
        (await _connection.ExecuteAsync(Command.Get("shared", ProtocolVersion.V1, 9))).Should().Be(Response.Ok("from-v0", ProtocolVersion.V1, 9));
        await _connection.ExecuteAsync(Command.Set("shared", "from-v1", ProtocolVersion.V1, 10));
        (await _connection.ExecuteAsync(Command.Get("shared"))).Should().Be(Response.Ok("from-v1"));
    }

    [Test]
    public async Task Keys_and_values_are_binary_safe_and_may_be_empty([Values] ProtocolVersion version)
    {
        var id = Id(version, 3);
        await _connection.ExecuteAsync(Command.Set(Binary, Binary.Reverse().ToArray(), version, id));
        (await _connection.ExecuteAsync(Command.Get(Binary, version, id))).Payload.Should().Equal(Binary.Reverse());

        await _connection.ExecuteAsync(Command.Set([], "empty key"u8.ToArray(), version, id));
        (await _connection.ExecuteAsync(Command.Get([], version, id))).Should().Be(Response.Ok("empty key", version, id));
    }

    [Test]
    public async Task Overwrites_with_longer_and_shorter_values_keep_the_last([Values] ProtocolVersion version)
    {
        foreach (var value in new[] { "a", "a much longer value than before", "", "short", new string('x', 20_000), "end" })
        {
            await _connection.ExecuteAsync(Command.Set("k", value, version));
            (await _connection.ExecuteAsync(Command.Get("k", version))).PayloadText.Should().Be(value);
        }
    }

    [Test]
    public async Task A_one_mebibyte_value_round_trips([Values] ProtocolVersion version)
    {
        var value = new byte[1024 * 1024];
        new Random(1).NextBytes(value);
        (await _connection.ExecuteAsync(Command.Set("big"u8.ToArray(), value, version))).Status.Should().Be(ResponseStatus.Ok);
        (await _connection.ExecuteAsync(Command.Get("big"u8.ToArray(), version))).Payload.Should().Equal(value);
    }

    [Test]
    public async Task Writes_are_visible_to_other_connections()
    {
        using var other = await _server.ConnectAsync();
        await _connection.ExecuteAsync(Command.Set("seen", "yes"));
        (await other.ExecuteAsync(Command.Get("seen"))).Should().Be(Response.Ok("yes"));
    }

    private static uint Id(ProtocolVersion version, uint id) => version == ProtocolVersion.V1 ? id : 0;
}
