using Kv.Protocol;

namespace Kv.Server.Tests.Exhaustion;

/// <summary>
/// Memory held for clients, against the real binary and its resident memory: large frames that stall half-sent and
/// large responses that are never read stay within <c>--max-client-memory</c> (past it the client gets ERROR
/// OutOfMemory, never a silent close), the memory goes back once those clients leave, and at a heap limit an allocation
/// that fails is an ERROR to that client, not a closed connection.
/// </summary>
[NonParallelizable]
[Platform(Include = "Linux")]
public class ClientMemoryTests
{
    private const long MiB = 1024 * 1024;
    private const long Budget = 64 * MiB;

    // What the process may add beyond the budget: the runtime's own growth under load, the pools of small buffers.
    private const long Slack = 64 * MiB;

    [Test]
    [CancelAfter(120_000)]
    public async Task Stalled_large_frames_stay_within_the_budget_get_an_error_and_their_memory_is_given_back()
    {
        using var server = await ServerProcess.StartAsync("--port", "0", "--max-client-memory", Budget.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var before = server.ResidentBytes();

        // Twelve connections each send 12 MiB of a 16 MiB frame and stall: 192 MiB would be held without the budget.
        var frame = WireConnection.Encode(Command.Set("k"u8.ToArray(), new byte[16 * MiB], ProtocolVersion.V1, 77));
        var connections = new List<WireConnection>();
        for (var i = 0; i < 12; i++)
        {
            var connection = await WireConnection.ConnectAsync(server.EndPoint);
            connections.Add(connection);
            try
            {
                await connection.SendAsync(frame.AsMemory(0, (int)(12 * MiB)), new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token);
            }
            catch (OperationCanceledException)
            {
                // Refused mid-send: its answer waits to be read below.
            }
        }

        var held = server.ResidentBytes() - before;
        held.Should().BeLessThan(Budget + Slack, $"the budget is {Budget / MiB} MiB");

        var refused = 0;
        foreach (var connection in connections)
        {
            if (connection.Socket.Available > 0)
            {
                var response = await connection.ReadResponseAsync();
                response.ErrorCode.Should().Be(ProtocolErrorCode.OutOfMemory);
                response.RequestId.Should().Be(77u, "the answer names the request it refuses");
                response.PayloadText.Should().Contain("--max-client-memory");
                refused++;
            }
        }

        refused.Should().BeGreaterThan(6, "at most four 16 MiB frames fit in 64 MiB");
        using (var other = await WireConnection.ConnectAsync(server.EndPoint))
        {
            (await other.ExecuteAsync(Command.Ping())).Should().Be(Response.Ok("PONG"), "other clients are served meanwhile");
        }

        foreach (var connection in connections)
        {
            connection.Dispose();
        }

        (await Waiting.UntilAsync(() => server.ResidentBytes() - before < 32 * MiB, TimeSpan.FromSeconds(10)))
            .Should().BeTrue($"the buffers are given back once their clients leave (resident {server.ResidentBytes() / MiB} MiB, {before / MiB} MiB at start)");
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Large_responses_to_clients_that_do_not_read_stay_within_the_budget()
    {
        using var server = await ServerProcess.StartAsync("--port", "0", "--max-client-memory", Budget.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using (var writer = await WireConnection.ConnectAsync(server.EndPoint))
        {
            (await writer.ExecuteAsync(Command.Set("big"u8.ToArray(), new byte[8 * MiB]))).Status.Should().Be(ResponseStatus.Ok);
        }

        var before = server.ResidentBytes();

        // 24 clients ask for four 8 MiB values each and read nothing: 768 MiB of responses.
        var readers = new List<WireConnection>();
        var gets = WireConnection.Encode(Enumerable.Range(1, 4).Select(i => Command.Get("big"u8.ToArray(), ProtocolVersion.V1, (uint)i)));
        for (var i = 0; i < 24; i++)
        {
            var reader = await WireConnection.ConnectAsync(server.EndPoint);
            readers.Add(reader);
            await reader.SendAsync(gets);
        }

        await Task.Delay(1000);
        var held = server.ResidentBytes() - before;
        held.Should().BeLessThan(Budget + Slack, $"the budget is {Budget / MiB} MiB");
        using (var other = await WireConnection.ConnectAsync(server.EndPoint))
        {
            (await other.ExecuteAsync(Command.Ping())).Should().Be(Response.Ok("PONG"));
        }

        // Each client gets its four answers in order: the values that fit, ERROR OutOfMemory for the others.
        var errors = 0;
        foreach (var reader in readers)
        {
            for (uint id = 1; id <= 4; id++)
            {
                var response = await reader.ReadResponseAsync(TimeSpan.FromSeconds(30));
                response.RequestId.Should().Be(id);
                if (response.Status == ResponseStatus.Error)
                {
                    response.ErrorCode.Should().Be(ProtocolErrorCode.OutOfMemory);
                    errors++;
                }
                else
                {
                    response.Payload.Length.Should().Be((int)(8 * MiB));
                }
            }

            reader.Dispose();
        }

        errors.Should().BeGreaterThan(48, "at most a few dozen 8 MiB responses fit in 64 MiB at once");
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task At_a_heap_limit_a_request_that_cannot_be_buffered_gets_an_error_not_a_closed_connection()
    {
        // The heap limit .NET applies in a container (75% of its memory), set low: a 48 MiB frame needs more.
        using var server = await ServerProcess.StartAsync(
            new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x5000000" }, // 80 MiB
            "--port", "0");
        using var connection = await WireConnection.ConnectAsync(server.EndPoint);
        (await connection.ExecuteAsync(Command.Set("small", "fits"))).Status.Should().Be(ResponseStatus.Ok);

        var frame = WireConnection.Encode(Command.Set("huge"u8.ToArray(), new byte[48 * MiB], ProtocolVersion.V1, 9));
        try
        {
            await connection.SendAsync(frame, new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
        }
        catch (OperationCanceledException)
        {
            // Refused mid-send.
        }

        var response = await connection.ReadResponseAsync(TimeSpan.FromSeconds(10));
        response.Status.Should().Be(ResponseStatus.Error, "the client is told");
        response.ErrorCode.Should().Be(ProtocolErrorCode.OutOfMemory);
        response.RequestId.Should().Be(9u);
        server.Process.HasExited.Should().BeFalse();
        using var other = await WireConnection.ConnectAsync(server.EndPoint);
        (await other.ExecuteAsync(Command.Get("small"))).Should().Be(Response.Ok("fits"));
    }

    [Test]
    public async Task A_write_whose_answer_cannot_be_buffered_is_refused_before_it_is_applied()
    {
        // A version-0 SET answers with its key: a 1.5 MiB key needs a 2 MiB receive buffer (3 MiB while it grows from
        // 1 MiB) and a 1.5 MiB answer, 3.5 MiB in all, over a 3.25 MiB budget. The answer's room is taken before the write,
        // so the refusal changes nothing.
        await using var server = InProcessServer.Start(o => o with { MaxClientMemory = 13 * MiB / 4 });
        using var connection = await server.ConnectAsync();
        var key = new byte[3 * MiB / 2];
        key.AsSpan().Fill((byte)'k');
        var refused = await connection.ExecuteAsync(Command.Set(key, "v"u8.ToArray()));
        refused.Status.Should().Be(ResponseStatus.Error);
        refused.PayloadText.Should().StartWith("out of memory");

        (await connection.ExecuteAsync(Command.Get(key, ProtocolVersion.V1, 5))).Should().Be(Response.NotFound(5), "the refused write was not applied");
    }

    [Test]
    public async Task A_client_asking_for_more_than_the_client_output_limit_is_disconnected_and_others_are_not()
    {
        await using var server = InProcessServer.Start(o => o with { ClientOutputLimit = 1 * MiB });
        using var writer = await server.ConnectAsync();
        (await writer.ExecuteAsync(Command.Set("big"u8.ToArray(), new byte[2 * MiB]))).Status.Should().Be(ResponseStatus.Ok);
        (await writer.ExecuteAsync(Command.Set("small"u8.ToArray(), new byte[512 * 1024]))).Status.Should().Be(ResponseStatus.Ok);

        using var greedy = await server.ConnectAsync();
        await greedy.SendAsync(Command.Get("big"));
        (await greedy.IsClosedByServerAsync(TimeSpan.FromSeconds(10))).Should().BeTrue("2 MiB of responses pass its 1 MiB limit");
        server.Warnings.Should().Contain(line => line.Contains("--client-output-limit"));

        (await writer.ExecuteAsync(Command.Get("small"))).Payload.Length.Should().Be(512 * 1024, "a response under the limit is served");
    }
}

