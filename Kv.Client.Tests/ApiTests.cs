using System.Text;
using Kv.Protocol;

namespace Kv.Client.Tests;

/// <summary>Every public call and overload, against a real in-process Kv server.</summary>
public class ApiTests
{
    private InProcessServer _server = null!;
    private KvClient _client = null!;

    [OneTimeSetUp]
    public async Task StartServer()
    {
        _server = InProcessServer.Start(ClientTestServer.Options);
        _client = await KvClient.ConnectAsync(_server.Address);
    }

    [OneTimeTearDown]
    public async Task StopServer()
    {
        await _client.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Test]
    public async Task Strings_round_trip()
    {
        await _client.SetAsync("api:greeting", "hello");
        (await _client.GetAsync("api:greeting")).Should().Be("hello");

        await _client.SetAsync("api:greeting", "replaced");
        (await _client.GetAsync("api:greeting")).Should().Be("replaced");
    }

    [Test]
    public async Task Text_is_utf8_on_the_wire()
    {
        await _client.SetAsync("ключ", "значение✓");

        (await _client.GetAsync("ключ")).Should().Be("значение✓");
        (await _client.GetAsync(Encoding.UTF8.GetBytes("ключ"))).Should().Equal(Encoding.UTF8.GetBytes("значение✓"));
    }

    [Test]
    public async Task A_missing_key_reads_as_null()
    {
        (await _client.GetAsync("api:never-set")).Should().BeNull();
        (await _client.GetAsync("api:never-set"u8.ToArray())).Should().BeNull();
    }

    [Test]
    public async Task An_empty_value_reads_as_empty_not_null()
    {
        await _client.SetAsync("api:empty", string.Empty);
        (await _client.GetAsync("api:empty")).Should().Be(string.Empty);

        await _client.SetAsync("api:empty-bytes"u8.ToArray(), ReadOnlyMemory<byte>.Empty);
        (await _client.GetAsync("api:empty-bytes"u8.ToArray())).Should().NotBeNull().And.BeEmpty();
    }

    [Test]
    public async Task The_empty_key_is_a_key()
    {
        await _client.SetAsync(string.Empty, "empty key");
        (await _client.GetAsync(string.Empty)).Should().Be("empty key");
        (await _client.ClearAsync(string.Empty)).Should().BeTrue();
    }

    [Test]
    public async Task Binary_keys_and_values_keep_every_byte()
    {
        byte[] key = [0x00, 0xFF, 0x80, 0x00, 0x7F];
        byte[] value = [0xFF, 0x00, 0xC3, 0x28, 0x00, 0xFE, 0xFF];
        await _client.SetAsync(key, value);

        (await _client.GetAsync(key)).Should().Equal(value);
        (await _client.GetAsync(new byte[] { 0x00, 0xFF, 0x80, 0x00 })).Should().BeNull("a prefix of a key is another key");
    }

    [Test]
    public async Task Bytes_and_strings_address_the_same_keys()
    {
        await _client.SetAsync("api:mixed"u8.ToArray(), "from bytes"u8.ToArray());
        (await _client.GetAsync("api:mixed")).Should().Be("from bytes");
    }

    [Test]
    public async Task Keys_and_values_can_be_slices_of_larger_buffers()
    {
        var buffer = "xxkeyyyvaluezz"u8.ToArray();
        await _client.SetAsync(buffer.AsMemory(2, 3), buffer.AsMemory(7, 5));
        (await _client.GetAsync("key")).Should().Be("value");
    }

    [Test]
    public async Task A_one_mebibyte_value_round_trips([Values] bool asBytes)
    {
        var value = new byte[1024 * 1024];
        new Random(42).NextBytes(value);
        if (asBytes)
        {
            await _client.SetAsync("api:big"u8.ToArray(), value);
            (await _client.GetAsync("api:big"u8.ToArray())).Should().Equal(value);
        }
        else
        {
            var text = new string('é', 512 * 1024) + "end";
            await _client.SetAsync("api:big-text", text);
            (await _client.GetAsync("api:big-text")).Should().Be(text);
        }
    }

    [Test]
    public async Task Large_values_interleave_with_small_requests_from_other_callers()
    {
        var big = new byte[1024 * 1024 + 17];
        new Random(7).NextBytes(big);
        var bigSet = _client.SetAsync("api:interleave-big"u8.ToArray(), big).AsTask();
        var pings = Enumerable.Range(0, 100).Select(i => _client.PingAsync($"p{i}").AsTask()).ToArray();

        await bigSet;
        (await Task.WhenAll(pings)).Should().Equal(Enumerable.Range(0, 100).Select(i => $"p{i}"));
        (await _client.GetAsync("api:interleave-big"u8.ToArray())).Should().Equal(big);
    }

    [Test]
    public async Task Clear_says_whether_a_key_was_removed([Values] bool asBytes)
    {
        var key = asBytes ? "api:clear-bytes" : "api:clear-string";
        await _client.SetAsync(key, "v");
        if (asBytes)
        {
            (await _client.ClearAsync(Encoding.UTF8.GetBytes(key))).Should().BeTrue();
            (await _client.ClearAsync(Encoding.UTF8.GetBytes(key))).Should().BeFalse();
        }
        else
        {
            (await _client.ClearAsync(key)).Should().BeTrue();
            (await _client.ClearAsync(key)).Should().BeFalse();
        }

        (await _client.GetAsync(key)).Should().BeNull();
    }

    [Test]
    public async Task Clear_of_an_empty_value_still_removes_a_key()
    {
        await _client.SetAsync("api:clear-empty", string.Empty);
        (await _client.ClearAsync("api:clear-empty")).Should().BeTrue();
        (await _client.ClearAsync("api:clear-empty")).Should().BeFalse();
    }

    [Test]
    public async Task GetAndClear_returns_the_removed_value()
    {
        await _client.SetAsync("api:gac", "gone");
        (await _client.GetAndClearAsync("api:gac")).Should().Be("gone");
        (await _client.GetAndClearAsync("api:gac")).Should().BeNull();

        await _client.SetAsync("api:gac-bytes"u8.ToArray(), new byte[] { 0, 1, 2 });
        (await _client.GetAndClearAsync("api:gac-bytes"u8.ToArray())).Should().Equal(0, 1, 2);
        (await _client.GetAndClearAsync("api:gac-bytes"u8.ToArray())).Should().BeNull();

        await _client.SetAsync("api:gac-empty", string.Empty);
        (await _client.GetAndClearAsync("api:gac-empty")).Should().Be(string.Empty);
    }

    [Test]
    public async Task Ping_answers_pong_or_echoes()
    {
        (await _client.PingAsync()).Should().Be("PONG");
        (await _client.PingAsync((string?)null)).Should().Be("PONG");
        (await _client.PingAsync(string.Empty)).Should().Be("PONG");
        (await _client.PingAsync("hello there")).Should().Be("hello there");
        (await _client.PingAsync(new byte[] { 0x00, 0xFF })).Should().Equal(0x00, 0xFF);
        (await _client.PingAsync(ReadOnlyMemory<byte>.Empty)).Should().Equal("PONG"u8.ToArray());
    }

    [Test]
    public async Task A_request_over_the_frame_limit_is_refused_before_sending_and_the_connection_stays()
    {
        await using var client = await KvClient.ConnectAsync(KvClientOptions.Default with { EndPoint = _server.Address, MaxFrameBytes = 1024 });

        var act = async () => await client.SetAsync("k", new string('x', 2000));

        (await act.Should().ThrowAsync<ArgumentException>()).WithMessage("*frame limit*");
        (await client.PingAsync("still here")).Should().Be("still here");
    }

    [Test]
    public async Task A_response_over_the_frame_limit_breaks_only_that_connection()
    {
        await _client.SetAsync("api:too-big-for-small-client", new string('x', 2000));
        await using var client = await KvClient.ConnectAsync(KvClientOptions.Default with { EndPoint = _server.Address, MaxFrameBytes = 1024 });

        var act = async () => await client.GetAsync("api:too-big-for-small-client");

        (await act.Should().ThrowAsync<KvProtocolException>()).WithMessage("*cannot be parsed*frame*");
        (await client.PingAsync("reconnected")).Should().Be("reconnected");
    }

    [Test]
    public async Task Null_arguments_are_rejected()
    {
        await FluentActions.Awaiting(async () => await _client.SetAsync(null!, "v")).Should().ThrowAsync<ArgumentNullException>();
        await FluentActions.Awaiting(async () => await _client.SetAsync("k", (string)null!)).Should().ThrowAsync<ArgumentNullException>();
        await FluentActions.Awaiting(async () => await _client.GetAsync((string)null!)).Should().ThrowAsync<ArgumentNullException>();
        await FluentActions.Awaiting(async () => await _client.ClearAsync((string)null!)).Should().ThrowAsync<ArgumentNullException>();
        await FluentActions.Awaiting(async () => await _client.GetAndClearAsync((string)null!)).Should().ThrowAsync<ArgumentNullException>();
    }

    [Test]
    public async Task Options_are_checked()
    {
        await FluentActions.Awaiting(async () => await KvClient.ConnectAsync("no-port-here:"))
            .Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(async () => await KvClient.ConnectAsync("host:70000"))
            .Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(async () => await KvClient.ConnectAsync(KvClientOptions.Default with { OperationTimeout = TimeSpan.Zero }))
            .Should().ThrowAsync<ArgumentException>().WithParameterName(nameof(KvClientOptions.OperationTimeout));
        await FluentActions.Awaiting(async () => await KvClient.ConnectAsync(KvClientOptions.Default with { ReconnectMaxDelay = TimeSpan.FromMilliseconds(1) }))
            .Should().ThrowAsync<ArgumentException>().WithParameterName(nameof(KvClientOptions.ReconnectMaxDelay));
        await FluentActions.Awaiting(async () => await KvClient.ConnectAsync(KvClientOptions.Default with { MaxFrameBytes = 10 }))
            .Should().ThrowAsync<ArgumentException>().WithParameterName(nameof(KvClientOptions.MaxFrameBytes));
    }

    [Test]
    public void Defaults_are_as_documented()
    {
        var options = KvClientOptions.Default;
        options.EndPoint.Should().Be("127.0.0.1:6555");
        options.ConnectTimeout.Should().Be(TimeSpan.FromSeconds(5));
        options.OperationTimeout.Should().Be(TimeSpan.FromSeconds(5));
        options.ReconnectMinDelay.Should().Be(TimeSpan.FromMilliseconds(100));
        options.ReconnectMaxDelay.Should().Be(TimeSpan.FromSeconds(5));
        options.MaxFrameBytes.Should().Be(ProtocolLimits.DefaultMaxFrameBytes);
        options.LoggerFactory.Should().BeNull();
    }

    [Test]
    public async Task Host_names_and_bracketed_ipv6_addresses_are_accepted()
    {
        await using var byName = await KvClient.ConnectAsync($"localhost:{_server.EndPoint.Port}");
        (await byName.PingAsync()).Should().Be("PONG");

        // The server listens on IPv4 loopback only: the address must parse, and the connection be refused.
        await FluentActions.Awaiting(async () => await KvClient.ConnectAsync($"[::1]:{_server.EndPoint.Port}"))
            .Should().ThrowAsync<KvConnectionException>();
    }

    [Test]
    public async Task Connecting_to_nothing_fails_with_a_connection_exception()
    {
        var port = FreePort();

        var act = async () => await KvClient.ConnectAsync($"127.0.0.1:{port}");

        var thrown = await act.Should().ThrowAsync<KvConnectionException>();
        thrown.WithMessage($"*127.0.0.1:{port}*").WithInnerException<System.Net.Sockets.SocketException>();
    }

    [Test]
    public async Task A_disposed_client_refuses_calls_and_disposing_twice_is_harmless()
    {
        var client = await KvClient.ConnectAsync(_server.Address);
        client.IsConnected.Should().BeTrue();
        await client.DisposeAsync();
        await client.DisposeAsync();

        client.IsConnected.Should().BeFalse();
        await FluentActions.Awaiting(async () => await client.PingAsync()).Should().ThrowAsync<ObjectDisposedException>();
    }

    internal static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
