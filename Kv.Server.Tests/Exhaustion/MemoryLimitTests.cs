using Kv.Protocol;
using Kv.Testing.Exhaustion;

namespace Kv.Server.Tests.Exhaustion;

/// <summary>
/// The store's memory limit (<c>--max-memory</c>): a default server in a container-like memory limit (a cgroup) takes
/// its limit from the container's, says so on its ready line, and refuses writes with ERROR OutOfMemory before the
/// kernel would kill it; reads and CLEAR go on, and a CLEAR makes room again. An explicit limit is kept too.
/// </summary>
[NonParallelizable]
[Platform(Include = "Linux")]
public class MemoryLimitTests
{
    private const long MiB = 1024 * 1024;

    [Test]
    [CancelAfter(180_000)]
    public async Task A_default_server_in_a_256_MiB_container_refuses_writes_before_it_would_be_killed()
    {
        if (!MemoryCgroup.TryCreate(256 * MiB, out var created, out var reason))
        {
            Assert.Ignore(reason);
        }

        using var cgroup = created!;
        using var server = await ServerProcess.StartInCgroupAsync(cgroup, "--port", "0");
        using var connection = await WireConnection.ConnectAsync(server.EndPoint);

        // 1 KiB values, pipelined, until the store refuses twenty in a row: 256 MiB of them would not fit.
        var written = await FillUntilRefusedAsync(connection, 1024);
        written.Should().BeGreaterThan(50_000, "three quarters of (256 - 96) MiB hold about 100,000 such keys");

        server.Process.HasExited.Should().BeFalse(server.Errors);
        cgroup.OomKills.Should().Be(0, "the server refused writes before the kernel had to kill it");
        (await connection.ExecuteAsync(Command.Get("k-0"))).Status.Should().Be(ResponseStatus.Ok, "reads go on");
        (await connection.ExecuteAsync(Command.Ping())).Should().Be(Response.Ok("PONG"));

        // CLEAR works at the limit, and the room it makes takes new writes: once whole pages are empty (the first keys
        // written filled each stripe's first pages), they go back at once.
        await connection.SendAsync(WireConnection.Encode(Enumerable.Range(0, 5000).Select(i => Command.Clear($"k-{i}"))));
        for (var i = 0; i < 5000; i++)
        {
            (await connection.ReadResponseAsync()).Status.Should().Be(ResponseStatus.Ok);
        }

        (await connection.ExecuteAsync(Command.Set("after", new string('a', 1024)))).Status.Should().Be(ResponseStatus.Ok);
        cgroup.PeakBytes.Should().BeLessThan(256 * MiB);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task An_explicit_limit_is_on_the_ready_line_and_answered_with_out_of_memory()
    {
        var ready = await ReadyLineAsync("--max-memory", "32mb");
        ready.Should().Contain("max memory 32.0 MiB of ");

        using var server = await ServerProcess.StartAsync("--port", "0", "--max-memory", "32mb");
        using var connection = await WireConnection.ConnectAsync(server.EndPoint);
        var written = await FillUntilRefusedAsync(connection, 4096);
        written.Should().BeInRange(4_000, 8_192, "32 MiB hold at most 8,192 values of 4 KiB");
        // Version 0 is told in words. (A write may still fit where its stripe's current page has room: try a few keys.)
        Response? refused = null;
        for (var i = 0; i < 1000 && refused is null; i++)
        {
            var response = await connection.ExecuteAsync(Command.Set(System.Text.Encoding.UTF8.GetBytes($"v0-{i}"), new byte[4096], ProtocolVersion.V0));
            refused = response.Status == ResponseStatus.Error ? response : null;
        }

        refused.Should().NotBeNull();
        refused!.PayloadText.Should().StartWith("out of memory: the store is at its memory limit (--max-memory)");
    }

    [Test]
    public async Task Zero_means_no_limit_and_sizes_are_read_as_redis_reads_them()
    {
        (await ReadyLineAsync("--max-memory", "0")).Should().Contain("max memory unlimited");
        (await ReadyLineAsync("--max-memory", "1gb")).Should().Contain("max memory 1.0 GiB");
        var (exitCode, errors) = await ServerProcess.RunToExitAsync("--port", "0", "--max-memory", "lots");
        exitCode.Should().Be(2);
        errors.Should().Contain("--max-memory").And.Contain("512mb");
    }

    private static async Task<string> ReadyLineAsync(params string[] args)
    {
        using var server = ServerProcess.Launch(["--port", "0", .. args]);
        return await server.Process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)) ?? "";
    }

    // SETs of distinct keys in pipelined batches until twenty in a row are refused with OutOfMemory; returns how many
    // were stored.
    private static async Task<int> FillUntilRefusedAsync(WireConnection connection, int valueSize)
    {
        var value = new byte[valueSize];
        var stored = 0;
        var refusedInARow = 0;
        for (var i = 0; refusedInARow < 20; i += 64)
        {
            i.Should().BeLessThan(10_000_000, "the limit is reached long before");
            var batch = Enumerable.Range(i, 64).Select(n => Command.Set(System.Text.Encoding.UTF8.GetBytes($"k-{n}"), value, ProtocolVersion.V1, (uint)n)).ToArray();
            await connection.SendAsync(WireConnection.Encode(batch));
            foreach (var command in batch)
            {
                var response = await connection.ReadResponseAsync();
                if (response.Status == ResponseStatus.Ok)
                {
                    stored++;
                    refusedInARow = 0;
                }
                else
                {
                    response.ErrorCode.Should().Be(ProtocolErrorCode.OutOfMemory, response.PayloadText);
                    refusedInARow++;
                }
            }
        }

        return stored;
    }
}
