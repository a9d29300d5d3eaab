using Kv.Protocol;
using Kv.Testing.Exhaustion;

namespace Kv.Server.Tests.Persistence;

/// <summary>
/// The real binary with its data directory on a small file system that fills up: under each fsync policy, writes are
/// answered ERROR WriteRefused (never a closed connection), reads go on, the server does not exit, writes resume once
/// space is freed, and after a restart every acknowledged write is there.
/// </summary>
[NonParallelizable]
public class DiskFullProcessTests
{
    private const int Clients = 4;

    private SmallFileSystem _disk = null!;
    private string _directory = null!;

    [SetUp]
    public void SetUp()
    {
        if (!SmallFileSystem.TryMount(8L * 1024 * 1024, out var disk, out var reason))
        {
            Assert.Ignore(reason);
        }

        _disk = disk!;
        _directory = Path.Combine(_disk.Path, "data");
    }

    [TearDown]
    public void TearDown() => _disk?.Dispose();

    [Test]
    public async Task A_full_disk_is_answered_with_write_refused_and_no_acknowledged_write_is_lost([Values("always", "everysec")] string fsync)
    {
        var acknowledged = new Dictionary<string, byte[]>();
        using (var server = await ServerProcess.StartAsync("--port", "0", "--data-dir", _directory, "--fsync", fsync))
        {
            var connections = new WireConnection[Clients];
            for (var c = 0; c < Clients; c++)
            {
                connections[c] = await WireConnection.ConnectAsync(server.EndPoint);
            }

            _disk.Fill(leaveFree: 512 * 1024);
            var results = await Task.WhenAll(Enumerable.Range(0, Clients).Select(c => WriteUntilRefusedAsync(connections[c], $"c{c}-")));
            foreach (var result in results)
            {
                foreach (var (key, value) in result)
                {
                    acknowledged[key] = value;
                }
            }

            (await server.WaitForErrorAsync("The disk is full", TimeSpan.FromSeconds(10))).Should().BeTrue(server.Errors);
            server.Process.HasExited.Should().BeFalse("a full disk does not stop the server");
            acknowledged.Should().NotBeEmpty();
            foreach (var (key, value) in acknowledged.Take(50))
            {
                (await connections[0].ExecuteAsync(Command.Get(key))).Should().Be(Response.Ok(value), "reads go on");
            }

            _disk.Free();
            var resumed = await Waiting.UntilAsync(
                async () => (await connections[1].ExecuteAsync(Command.Set("after", "x", ProtocolVersion.V1, 1))).Status == ResponseStatus.Ok,
                TimeSpan.FromSeconds(10));
            resumed.Should().BeTrue("writes resume by themselves once space is freed");
            acknowledged["after"] = "x"u8.ToArray();
            (await server.WaitForErrorAsync("is written again", TimeSpan.FromSeconds(10))).Should().BeTrue(server.Errors);
            foreach (var connection in connections)
            {
                (await connection.ExecuteAsync(Command.Ping())).Should().Be(Response.Ok("PONG"), "no connection was closed");
                connection.Dispose();
            }

            // Not a graceful stop: only what the server gave the kernel counts.
            await server.KillAsync();
        }

        using var restarted = await ServerProcess.StartAsync("--port", "0", "--data-dir", _directory, "--fsync", fsync);
        using var reader = await WireConnection.ConnectAsync(restarted.EndPoint);
        var lost = 0;
        foreach (var (key, value) in acknowledged)
        {
            if (!(await reader.ExecuteAsync(Command.Get(key))).Equals(Response.Ok(value)))
            {
                lost++;
            }
        }

        lost.Should().Be(0, $"every one of the {acknowledged.Count} acknowledged writes survives");
    }

    [Test]
    public async Task A_server_started_on_a_full_disk_serves_reads_and_refuses_writes_until_there_is_room()
    {
        using (var first = await ServerProcess.StartAsync("--port", "0", "--data-dir", _directory, "--fsync", "always"))
        {
            using var writer = await WireConnection.ConnectAsync(first.EndPoint);
            (await writer.ExecuteAsync(Command.Set("kept", "value"))).Should().Be(Response.Ok("kept"));
        }

        _disk.Fill(leaveFree: 0);
        using var server = await ServerProcess.StartAsync("--port", "0", "--data-dir", _directory, "--fsync", "always");
        using var connection = await WireConnection.ConnectAsync(server.EndPoint);
        (await connection.ExecuteAsync(Command.Get("kept"))).Should().Be(Response.Ok("value"));
        for (var i = 0; i < 3; i++)
        {
            var refused = await connection.ExecuteAsync(Command.Set($"new-{i}", new string('n', 8192), ProtocolVersion.V1, (uint)i));
            refused.Status.Should().Be(ResponseStatus.Error);
            refused.ErrorCode.Should().Be(ProtocolErrorCode.WriteRefused);
        }

        (await connection.ExecuteAsync(Command.Get("kept"))).Should().Be(Response.Ok("value"));
        server.Process.HasExited.Should().BeFalse();

        _disk.Free();
        var resumed = await Waiting.UntilAsync(
            async () => (await connection.ExecuteAsync(Command.Set("newest", "v", ProtocolVersion.V1, 9))).Status == ResponseStatus.Ok,
            TimeSpan.FromSeconds(10));
        resumed.Should().BeTrue();
    }

    // SETs of 2 KB values, in pipelined batches of 8, until 5 in a row are refused; returns the acknowledged ones.
    private static async Task<Dictionary<string, byte[]>> WriteUntilRefusedAsync(WireConnection connection, string prefix)
    {
        var acknowledged = new Dictionary<string, byte[]>();
        var refusedInARow = 0;
        for (var i = 0; refusedInARow < 5; i += 8)
        {
            i.Should().BeLessThan(100_000, "the disk fills up long before");
            var batch = Enumerable.Range(i, 8)
                .Select(n => Command.Set($"{prefix}{n}", new string((char)('a' + (n % 26)), 2048), ProtocolVersion.V1, (uint)n))
                .ToArray();
            await connection.SendAsync(WireConnection.Encode(batch));
            foreach (var command in batch)
            {
                var response = await connection.ReadResponseAsync();
                response.RequestId.Should().Be(command.RequestId);
                if (response.Status == ResponseStatus.Ok)
                {
                    acknowledged[System.Text.Encoding.UTF8.GetString(command.Key)] = command.Value;
                    refusedInARow = 0;
                }
                else
                {
                    response.ErrorCode.Should().Be(ProtocolErrorCode.WriteRefused, response.PayloadText);
                    refusedInARow++;
                }
            }
        }

        return acknowledged;
    }
}
