using System.Diagnostics;

namespace Kv.Client.Tests;

/// <summary>
/// A cancelled or timed-out call fails at once, but its response is still read and dropped: the stream never goes
/// out of step and the same connection keeps serving everyone.
/// </summary>
public class CancellationAndTimeoutTests
{
    [Test]
    public async Task A_pre_cancelled_token_fails_at_once_and_sends_nothing()
    {
        await using var server = FakeServer.Start();
        await using var client = await KvClient.ConnectAsync(server.EndPoint);
        var requestsBefore = server.RequestsReceived;
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await FluentActions.Awaiting(async () => await client.SetAsync("k", "v", cancelled.Token)).Should().ThrowAsync<OperationCanceledException>();
        await FluentActions.Awaiting(async () => await client.GetAsync("k", cancelled.Token)).Should().ThrowAsync<OperationCanceledException>();
        await FluentActions.Awaiting(async () => await client.GetAsync("k"u8.ToArray(), cancelled.Token)).Should().ThrowAsync<OperationCanceledException>();
        await FluentActions.Awaiting(async () => await client.ClearAsync("k", cancelled.Token)).Should().ThrowAsync<OperationCanceledException>();
        await FluentActions.Awaiting(async () => await client.PingAsync("x", cancelled.Token)).Should().ThrowAsync<OperationCanceledException>();

        (await client.PingAsync("after")).Should().Be("after");
        server.RequestsReceived.Should().Be(requestsBefore + 1);
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Cancelling_requests_held_by_a_stalled_server_fails_them_at_once_and_later_requests_stay_in_step(CancellationToken testTimeout)
    {
        await using var server = FakeServer.Start();
        await using var client = await KvClient.ConnectAsync(KvClientOptions.Default with { EndPoint = server.EndPoint, OperationTimeout = Timeout.InfiniteTimeSpan }, testTimeout);
        await client.SetAsync("k", "before", testTimeout);
        server.Stall();
        using var cancel = new CancellationTokenSource();

        var gets = Enumerable.Range(0, 200).Select(_ => client.GetAsync("k", cancel.Token).AsTask()).ToList();
        var sets = Enumerable.Range(0, 50).Select(i => client.SetAsync($"s{i}", $"v{i}", cancel.Token).AsTask()).ToList();
        await WaitUntil(() => server.HeldRequests == 250, testTimeout);
        var stopwatch = Stopwatch.StartNew();
        await cancel.CancelAsync();

        foreach (var task in gets.Cast<Task>().Concat(sets))
        {
            await FluentActions.Awaiting(() => task).Should().ThrowAsync<OperationCanceledException>();
        }

        stopwatch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(2), "cancelled calls must not wait for the server");

        // The server now answers all 250 held requests; their responses are read and dropped, in step.
        var after = client.GetAsync("k", testTimeout).AsTask();
        server.Release();
        (await after).Should().Be("before");
        (await client.GetAsync("s49", testTimeout)).Should().Be("v49", "the cancelled SETs were still sent and carried out");
        await VerifyInStep(client, 500, testTimeout);
        server.AcceptedConnections.Should().Be(1, "cancellation must not cost the connection");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Cancelling_while_thousands_of_requests_are_in_flight_on_a_real_server_keeps_every_answer_right(CancellationToken testTimeout)
    {
        await using var server = InProcessServer.Start(ClientTestServer.Options);
        await using var client = await KvClient.ConnectAsync(server.Address, testTimeout);
        for (var i = 0; i < 100; i++)
        {
            await client.SetAsync($"c{i}", $"value {i}", testTimeout);
        }

        // Cancel in the middle of the stream of answers, as soon as the 2,000th has come. On a badly overloaded machine
        // the other 18,000 may all be answered first: then try again, a few times.
        var completed = 0;
        var cancelled = 0;
        for (var round = 0; round < 10 && cancelled == 0; round++)
        {
            using var cancel = new CancellationTokenSource();
            var calls = Enumerable.Range(0, 20_000).Select(i => (Key: i % 100, Task: client.GetAsync($"c{i % 100}", cancel.Token).AsTask())).ToList();
            _ = calls[2_000].Task.ContinueWith(_ => cancel.Cancel(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

            foreach (var (key, task) in calls)
            {
                try
                {
                    (await task).Should().Be($"value {key}");
                    completed++;
                }
                catch (OperationCanceledException)
                {
                    cancelled++;
                }
            }

            completed.Should().BeGreaterThan(2_000);
            (completed + cancelled).Should().Be(20_000 * (round + 1));
        }

        TestContext.Out.WriteLine($"{completed} completed, {cancelled} cancelled in flight");
        cancelled.Should().BePositive("some of the requests must still have been in flight when the token was cancelled");
        await VerifyInStep(client, 1000, testTimeout);
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task An_operation_timeout_fails_the_call_and_the_late_response_is_dropped(CancellationToken testTimeout)
    {
        await using var server = FakeServer.Start();
        var timeout = TimeSpan.FromMilliseconds(300);
        await using var client = await KvClient.ConnectAsync(KvClientOptions.Default with { EndPoint = server.EndPoint, OperationTimeout = timeout }, testTimeout);
        await client.SetAsync("k", "v1", testTimeout);
        server.Stall();

        var stopwatch = Stopwatch.StartNew();
        var stalled = Enumerable.Range(0, 100).Select(_ => client.GetAsync("k", testTimeout).AsTask()).ToList();
        foreach (var task in stalled)
        {
            var thrown = await FluentActions.Awaiting(() => task).Should().ThrowAsync<TimeoutException>();
            thrown.WithMessage("*GET*did not complete within*");
        }

        stopwatch.Elapsed.Should().BeGreaterThanOrEqualTo(timeout - TimeSpan.FromMilliseconds(20));
        stopwatch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(3));

        server.Release();
        await client.SetAsync("k", "v2", testTimeout);
        (await client.GetAsync("k", testTimeout)).Should().Be("v2");
        await VerifyInStep(client, 500, testTimeout);
        server.AcceptedConnections.Should().Be(1, "a timeout must not cost the connection");
        client.IsConnected.Should().BeTrue();
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task A_server_that_accepts_and_never_answers_times_the_connection_attempt_out(CancellationToken testTimeout)
    {
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
        var stopwatch = Stopwatch.StartNew();

        var act = async () => await KvClient.ConnectAsync(KvClientOptions.Default with { EndPoint = $"127.0.0.1:{port}", ConnectTimeout = TimeSpan.FromMilliseconds(300) }, testTimeout);

        (await act.Should().ThrowAsync<KvConnectionException>()).WithMessage("*within*").WithInnerException<TimeoutException>();
        stopwatch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(3));
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task A_raw_listener_that_answers_the_handshake_then_stalls_times_requests_out(CancellationToken testTimeout)
    {
        // The brief's "server you can stall": a plain socket that answers exactly one PING (the handshake) and then
        // reads without ever answering.
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        var serve = Task.Run(async () =>
        {
            using var socket = await listener.AcceptSocketAsync(testTimeout);
            var buffer = new byte[64 * 1024];
            var received = await socket.ReceiveAsync(buffer, testTimeout);
            Kv.Protocol.CommandParser.Default.TryParse(buffer.AsSpan(0, received), out var ping, out _).Should().Be(Kv.Protocol.ParseStatus.Complete);
            var pong = new byte[Kv.Protocol.ResponseEncoder.GetEncodedLength(Kv.Protocol.ProtocolVersion.V1, Kv.Protocol.ResponseStatus.Ok, 4)];
            Kv.Protocol.ResponseEncoder.Encode(pong, Kv.Protocol.ProtocolVersion.V1, Kv.Protocol.ResponseStatus.Ok, ping.RequestId, "PONG"u8);
            await socket.SendAsync(pong, testTimeout);
            try
            {
                while (await socket.ReceiveAsync(buffer, testTimeout) > 0)
                {
                }
            }
            catch (System.Net.Sockets.SocketException)
            {
                // The client went away; the point was never to answer.
            }
        }, testTimeout);
        await using var client = await KvClient.ConnectAsync(KvClientOptions.Default with { EndPoint = $"127.0.0.1:{port}", OperationTimeout = TimeSpan.FromMilliseconds(200) }, testTimeout);

        await FluentActions.Awaiting(async () => await client.SetAsync("k", "v", testTimeout)).Should().ThrowAsync<TimeoutException>();
        await FluentActions.Awaiting(async () => await client.PingAsync(cancellationToken: testTimeout)).Should().ThrowAsync<TimeoutException>();
        client.IsConnected.Should().BeTrue();
        await client.DisposeAsync();
        await serve;
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Cancellation_and_timeout_races_with_responses_never_corrupt_pooled_operations(CancellationToken testTimeout)
    {
        // Tokens that fire at random moments around the response: every call either gets its own answer or an
        // OperationCanceledException, never somebody else's answer, and the pool keeps working afterwards.
        await using var server = InProcessServer.Start(ClientTestServer.Options);
        await using var client = await KvClient.ConnectAsync(server.Address, testTimeout);
        var random = new Random(12345);
        for (var round = 0; round < 20; round++)
        {
            using var cancel = new CancellationTokenSource();
            cancel.CancelAfter(TimeSpan.FromTicks(random.Next(0, 20_000)));
            var calls = Enumerable.Range(0, 500).Select(i => (I: i, Task: client.PingAsync($"r{round}:{i}", cancel.Token).AsTask())).ToList();
            foreach (var (i, task) in calls)
            {
                try
                {
                    (await task).Should().Be($"r{round}:{i}");
                }
                catch (OperationCanceledException)
                {
                }
            }
        }

        await VerifyInStep(client, 1000, testTimeout);
    }

    internal static async Task VerifyInStep(KvClient client, int count, CancellationToken cancellationToken)
    {
        var pings = Enumerable.Range(0, count).Select(i => client.PingAsync($"step {i}", cancellationToken).AsTask()).ToArray();
        (await Task.WhenAll(pings)).Should().Equal(Enumerable.Range(0, count).Select(i => $"step {i}"));
    }

    internal static async Task WaitUntil(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            await Task.Delay(10, cancellationToken);
        }
    }
}
