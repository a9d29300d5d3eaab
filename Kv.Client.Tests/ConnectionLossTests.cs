using System.Diagnostics;
using System.Net.Sockets;
using Kv.Protocol;
using Microsoft.Extensions.Logging;

namespace Kv.Client.Tests;

/// <summary>Lost connections fail what is in flight, and the client repairs itself on the next call.</summary>
public class ConnectionLossTests
{
    [Test]
    [CancelAfter(20_000)]
    public async Task Requests_in_flight_when_the_connection_drops_fail_with_a_connection_exception(CancellationToken testTimeout)
    {
        await using var server = FakeServer.Start();
        await using var client = await KvClient.ConnectAsync(KvClientOptions.Default with { EndPoint = server.EndPoint, OperationTimeout = Timeout.InfiniteTimeSpan }, testTimeout);
        server.Stall();
        var inFlight = Enumerable.Range(0, 100).Select(i => client.SetAsync($"k{i}", "v", testTimeout).AsTask()).ToList();
        await Waiting.UntilAsync(() => server.HeldRequests == 100, testTimeout);

        server.DropConnections();

        foreach (var task in inFlight)
        {
            // A close with unread data reaches the client as a reset or as the end of the stream.
            (await FluentActions.Awaiting(() => task).Should().ThrowAsync<KvConnectionException>()).WithMessage($"*{server.EndPoint}*");
        }

        client.IsConnected.Should().BeFalse();
        server.Release();
        (await client.PingAsync("back", testTimeout)).Should().Be("back", "the next call reconnects by itself");
        server.AcceptedConnections.Should().Be(2);
        client.IsConnected.Should().BeTrue();
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task A_server_stopped_mid_flight_fails_the_calls_and_a_server_restarted_on_the_same_port_is_found_again(CancellationToken testTimeout)
    {
        var server = InProcessServer.Start(ClientTestServer.Options);
        var port = server.EndPoint.Port;
        await using var client = await KvClient.ConnectAsync(server.Address, testTimeout);
        using var stop = new CancellationTokenSource();
        var failures = new System.Collections.Concurrent.ConcurrentBag<Exception>();
        var workers = Enumerable.Range(0, 16).Select(worker => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                try
                {
                    await client.SetAsync($"w{worker}", $"{i}", testTimeout);
                    (await client.GetAsync($"w{worker}", testTimeout)).Should().Be($"{i}");
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    failures.Add(e);
                    await Task.Delay(20, testTimeout);
                }
            }
        }, testTimeout)).ToList();
        await Task.Delay(300, testTimeout);

        await server.StopAsync();
        await Waiting.UntilAsync(() => failures.Count >= 16, testTimeout);
        failures.Should().AllBeOfType<KvConnectionException>("in-flight and later calls fail as connection failures, and never hang");
        client.IsConnected.Should().BeFalse();

        await using var restarted = InProcessServer.Start(o => ClientTestServer.Options(o) with { Port = port });
        var stopwatch = Stopwatch.StartNew();
        (await client.PingAsync("recovered", testTimeout)).Should().Be("recovered");
        TestContext.Out.WriteLine($"first call after the restart took {stopwatch.ElapsedMilliseconds} ms");
        await stop.CancelAsync();
        await Task.WhenAll(workers);
        restarted.Server.ConnectionCount.Should().Be(1, "concurrent callers share one connection and one reconnection attempt");
        await server.DisposeAsync();
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Concurrent_callers_share_one_reconnection_attempt(CancellationToken testTimeout)
    {
        await using var server = FakeServer.Start();
        await using var client = await KvClient.ConnectAsync(server.EndPoint, testTimeout);
        server.DropConnections();
        await Waiting.UntilAsync(() => !client.IsConnected, testTimeout);

        var calls = Enumerable.Range(0, 200).Select(i => client.PingAsync($"p{i}", testTimeout).AsTask()).ToArray();

        (await Task.WhenAll(calls)).Should().Equal(Enumerable.Range(0, 200).Select(i => $"p{i}"));
        server.AcceptedConnections.Should().Be(2);
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Failed_reconnection_attempts_back_off_exponentially(CancellationToken testTimeout)
    {
        using var logs = new CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(builder => builder.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        var server = InProcessServer.Start(ClientTestServer.Options);
        var port = server.EndPoint.Port;
        await using var client = await KvClient.ConnectAsync(KvClientOptions.Default with
        {
            EndPoint = server.Address,
            ReconnectMinDelay = TimeSpan.FromMilliseconds(100),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(400),
            ReconnectJitter = 0,
            LoggerFactory = loggerFactory,
        }, testTimeout);
        await server.DisposeAsync();

        // Call in a tight loop for 1.5 s: without back-off this would be hundreds of attempts.
        var stopwatch = Stopwatch.StartNew();
        var calls = 0;
        while (stopwatch.Elapsed < TimeSpan.FromSeconds(1.5))
        {
            calls++;
            await FluentActions.Awaiting(async () => await client.PingAsync(cancellationToken: testTimeout)).Should().ThrowAsync<KvConnectionException>();
        }

        var failedAttempts = logs.Entries.Count(e => e.EventId.Name == "ConnectFailed");
        TestContext.Out.WriteLine($"{calls} calls, {failedAttempts} connection attempts in 1.5 s");
        failedAttempts.Should().BeInRange(3, 7, "waits of 0, 100, 200, 400, 400 ... ms between attempts");
        var delays = logs.Entries.Where(e => e.EventId.Name == "ConnectFailed").Select(e => e.Message).Take(4).ToList();
        delays[0].Should().EndWith("00:00:00.1000000");
        delays[1].Should().EndWith("00:00:00.2000000");
        delays[2].Should().EndWith("00:00:00.4000000");

        await using var restarted = InProcessServer.Start(o => ClientTestServer.Options(o) with { Port = port });
        (await client.PingAsync("up", testTimeout)).Should().Be("up");
        logs.EventNames().Should().ContainInOrder("Connected", "Disconnected", "Reconnecting", "ConnectFailed", "Reconnecting", "Reconnected");
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Back_off_waits_are_jittered_below_the_exponential_wait(CancellationToken testTimeout)
    {
        using var logs = new CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(builder => builder.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        var server = InProcessServer.Start(ClientTestServer.Options);
        await using var client = await KvClient.ConnectAsync(KvClientOptions.Default with
        {
            EndPoint = server.Address,
            ReconnectMinDelay = TimeSpan.FromMilliseconds(40),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(40),
            ReconnectJitter = 0.5,
            LoggerFactory = loggerFactory,
        }, testTimeout);
        await server.DisposeAsync();

        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < TimeSpan.FromSeconds(1) || logs.Entries.Count(e => e.EventId.Name == "ConnectFailed") < 8)
        {
            await FluentActions.Awaiting(async () => await client.PingAsync(cancellationToken: testTimeout)).Should().ThrowAsync<KvConnectionException>();
        }

        // Each logged wait is between half the 40 ms and all of it, and they are not all the same.
        var delays = logs.Entries.Where(e => e.EventId.Name == "ConnectFailed")
            .Select(e => TimeSpan.Parse(e.Message[(e.Message.LastIndexOf(' ') + 1)..]).TotalMilliseconds).ToList();
        TestContext.Out.WriteLine($"waits: {string.Join(", ", delays)} ms");
        delays.Should().AllSatisfy(d => d.Should().BeInRange(20, 40));
        delays.Distinct().Should().HaveCountGreaterThan(1);
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task A_response_with_the_wrong_request_id_is_a_protocol_error_that_tears_the_connection_down(CancellationToken testTimeout)
    {
        await using var server = FakeServer.Start();
        await using var client = await KvClient.ConnectAsync(server.EndPoint, testTimeout);
        server.Stall();
        var inFlight = Enumerable.Range(0, 10).Select(i => client.PingAsync($"p{i}", testTimeout).AsTask()).ToList();
        await Waiting.UntilAsync(() => server.HeldRequests == 10, testTimeout);

        server.Release();

        // The held requests were answered with their real ids; the next one is answered with the wrong id.
        (await Task.WhenAll(inFlight)).Should().Equal(Enumerable.Range(0, 10).Select(i => $"p{i}"));
        server.ShiftResponseIds(1);
        var desynchronised = async () => await client.PingAsync("bad", testTimeout);
        (await desynchronised.Should().ThrowAsync<KvProtocolException>()).WithMessage("*request id*out of step*");
        client.IsConnected.Should().BeFalse();

        server.ShiftResponseIds(0);
        (await client.PingAsync("good", testTimeout)).Should().Be("good");
        server.AcceptedConnections.Should().Be(2);
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task A_server_error_fails_only_its_request_with_the_code_and_message(CancellationToken testTimeout)
    {
        await using var server = FakeServer.Start();
        await using var client = await KvClient.ConnectAsync(server.EndPoint, testTimeout);
        server.FailNextRequest(ProtocolErrorCode.ServerError, "disk on fire");

        var act = async () => await client.SetAsync("k", "v", testTimeout);

        var thrown = await act.Should().ThrowAsync<KvServerException>();
        thrown.Which.Code.Should().Be(ProtocolErrorCode.ServerError);
        thrown.Which.ServerMessage.Should().Be("disk on fire");
        thrown.Which.Message.Should().Contain("disk on fire");
        (await client.PingAsync("fine", testTimeout)).Should().Be("fine");
        client.IsConnected.Should().BeTrue();
        server.AcceptedConnections.Should().Be(1);
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task After_a_frame_too_large_error_the_client_moves_to_a_new_connection(CancellationToken testTimeout)
    {
        // A real server closes the connection after FrameTooLarge and drops everything sent after it; a call queued
        // on that connection in the meantime used to fail with KvConnectionException. This fake keeps the connection
        // open, so that the test sees deterministically whether the client left it at once.
        await using var server = FakeServer.Start();
        await using var client = await KvClient.ConnectAsync(server.EndPoint, testTimeout);
        server.FailNextRequest(ProtocolErrorCode.FrameTooLarge, "frame of 99 bytes exceeds the frame size limit");

        var act = async () => await client.SetAsync("k", "v", testTimeout);

        var thrown = await act.Should().ThrowAsync<KvServerException>();
        thrown.Which.Code.Should().Be(ProtocolErrorCode.FrameTooLarge);
        client.IsConnected.Should().BeFalse("the server closes the connection after this error");
        await client.SetAsync("k", "v2", testTimeout);
        (await client.GetAsync("k", testTimeout)).Should().Be("v2");
        server.AcceptedConnections.Should().Be(2);
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task An_unparseable_frame_fails_every_request_in_flight_with_a_protocol_error(CancellationToken testTimeout)
    {
        await using var server = FakeServer.Start();
        await using var client = await KvClient.ConnectAsync(server.EndPoint, testTimeout);
        server.Stall();
        var inFlight = Enumerable.Range(0, 10).Select(i => client.GetAsync($"k{i}", testTimeout).AsTask()).ToList();
        await Waiting.UntilAsync(() => server.HeldRequests == 10, testTimeout);

        server.SendRaw([0x07, 0x00]);

        foreach (var task in inFlight)
        {
            (await FluentActions.Awaiting(() => task).Should().ThrowAsync<KvProtocolException>()).WithMessage("*cannot be parsed*");
        }

        server.Release();
        (await client.PingAsync(cancellationToken: testTimeout)).Should().Be("PONG");
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task A_response_nobody_asked_for_is_a_protocol_error(CancellationToken testTimeout)
    {
        await using var server = FakeServer.Start();
        await using var client = await KvClient.ConnectAsync(server.EndPoint, testTimeout);
        var unsolicited = new byte[ResponseEncoder.GetEncodedLength(ProtocolVersion.V1, ResponseStatus.Ok, 0)];
        ResponseEncoder.Encode(unsolicited, ProtocolVersion.V1, ResponseStatus.Ok, 77, []);

        server.SendRaw(unsolicited);

        await Waiting.UntilAsync(() => !client.IsConnected, testTimeout);
        (await client.PingAsync(cancellationToken: testTimeout)).Should().Be("PONG");
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task A_version_0_error_mid_stream_fails_the_connection_with_the_servers_message(CancellationToken testTimeout)
    {
        await using var server = FakeServer.Start();
        await using var client = await KvClient.ConnectAsync(server.EndPoint, testTimeout);
        server.Stall();
        var inFlight = client.GetAsync("k", testTimeout).AsTask();
        await Waiting.UntilAsync(() => server.HeldRequests == 1, testTimeout);
        var message = "unsupported protocol version 7 (supported: 0, 1)"u8.ToArray();
        var error = new byte[ResponseEncoder.GetEncodedLength(ProtocolVersion.V0, ResponseStatus.Error, message.Length)];
        ResponseEncoder.Encode(error, ProtocolVersion.V0, ResponseStatus.Error, 0, message);

        server.SendRaw(error);

        var thrown = await FluentActions.Awaiting(() => inFlight).Should().ThrowAsync<KvConnectionException>();
        thrown.Which.ServerMessage.Should().Be("unsupported protocol version 7 (supported: 0, 1)");
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task A_server_at_its_connection_limit_refuses_with_too_many_connections(CancellationToken testTimeout)
    {
        await using var server = InProcessServer.Start(o => ClientTestServer.Options(o) with { MaxConnections = 1 });
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await holder.ConnectAsync(System.Net.IPAddress.Loopback, server.EndPoint.Port, testTimeout);
        await Waiting.UntilAsync(() => server.Server.ConnectionCount == 1, testTimeout);

        var act = async () => await KvClient.ConnectAsync(server.Address, testTimeout);

        var thrown = await act.Should().ThrowAsync<KvConnectionException>();
        thrown.Which.ServerMessage.Should().Be("too many connections");
        thrown.Which.Message.Should().Contain("too many connections");

        holder.Dispose();
        await Waiting.UntilAsync(() => server.Server.ConnectionCount == 0, testTimeout);
        await using var client = await KvClient.ConnectAsync(server.Address, testTimeout);
        (await client.PingAsync(cancellationToken: testTimeout)).Should().Be("PONG");
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Disposing_fails_requests_in_flight_and_closes_the_socket(CancellationToken testTimeout)
    {
        await using var server = FakeServer.Start();
        var client = await KvClient.ConnectAsync(KvClientOptions.Default with { EndPoint = server.EndPoint, OperationTimeout = Timeout.InfiniteTimeSpan }, testTimeout);
        server.Stall();
        var inFlight = Enumerable.Range(0, 20).Select(i => client.GetAsync($"k{i}", testTimeout).AsTask()).ToList();
        await Waiting.UntilAsync(() => server.HeldRequests == 20, testTimeout);

        await client.DisposeAsync();

        foreach (var task in inFlight)
        {
            (await FluentActions.Awaiting(() => task).Should().ThrowAsync<KvConnectionException>()).WithMessage("*disposed*");
        }
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Connect_refusal_and_loss_are_logged(CancellationToken testTimeout)
    {
        using var logs = new CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(builder => builder.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        await using var server = FakeServer.Start();
        var client = await KvClient.ConnectAsync(KvClientOptions.Default with { EndPoint = server.EndPoint, LoggerFactory = loggerFactory }, testTimeout);
        server.DropConnections();
        await Waiting.UntilAsync(() => !client.IsConnected, testTimeout);
        await client.PingAsync(cancellationToken: testTimeout);
        await client.DisposeAsync();

        logs.EventNames().Should().Equal("Connected", "Disconnected", "Reconnecting", "Connected", "Reconnected", "Closed");
        logs.Entries.Should().OnlyContain(e => e.Category == "Kv.Client");
        logs.Entries.First(e => e.EventId.Name == "Disconnected").Message.Should().Contain(server.EndPoint);
    }
}
