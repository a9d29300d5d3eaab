using Kv.Protocol;
using Kv.Server.Hosting;
using Kv.Storage.Persistence;

namespace Kv.Server.Tests.Persistence;

/// <summary>The server with persistence on, in this process: restarts, what responses wait for, and log failures.</summary>
public class PersistentServerTests
{
    private string _directory = null!;

    [SetUp]
    public void SetUp() => _directory = LogFiles.NewDirectory();

    [TearDown]
    public void TearDown() => LogFiles.DeleteDirectory(_directory);

    [TestCase("always")]
    [TestCase("everysec")]
    [TestCase("no")]
    public async Task Sets_and_clears_survive_a_graceful_restart(string fsync)
    {
        await using (var server = Start(fsync))
        {
            using var connection = await server.ConnectAsync();
            (await connection.ExecuteAsync(Command.Set("kept", "1"))).Should().Be(Response.Ok("kept"));
            (await connection.ExecuteAsync(Command.Set("gone", "2", ProtocolVersion.V1, 7))).Should().Be(Response.Ok([], ProtocolVersion.V1, 7));
            (await connection.ExecuteAsync(Command.Set("kept", "3"))).Should().Be(Response.Ok("kept"));
            (await connection.ExecuteAsync(Command.Clear("gone", ProtocolVersion.V1, 8))).Should().Be(Response.Ok("2"u8.ToArray(), ProtocolVersion.V1, 8));
            (await connection.ExecuteAsync(Command.Clear("never", ProtocolVersion.V1, 9))).Should().Be(Response.NotFound(9));
        }

        await using (var server = Start(fsync))
        {
            using var connection = await server.ConnectAsync();
            (await connection.ExecuteAsync(Command.Get("kept"))).Should().Be(Response.Ok("3"));
            (await connection.ExecuteAsync(Command.Get("gone", ProtocolVersion.V1, 1))).Should().Be(Response.NotFound(1));
            server.Server.Store.Count.Should().Be(1);
            server.Server.Log!.Replay.Records.Should().Be(4, "the CLEAR of a missing key changed nothing and was not logged");
        }
    }

    [Test]
    public async Task Under_always_no_response_is_sent_before_the_fsync_that_covers_what_it_wrote_or_read()
    {
        // Declared first, so disposed last: the server's writer thread waits on it.
        using var gate = new ManualResetEventSlim(false);
        await using var server = Start("always");
        using var writer = await server.ConnectAsync();
        using var reader = await server.ConnectAsync();
        (await writer.ExecuteAsync(Command.Set("k", "old"))).Should().Be(Response.Ok("k"));

        server.Server.Log!.IoFault = operation =>
        {
            if (operation == "sync")
            {
                gate.Wait(TimeSpan.FromSeconds(10));
            }
        };

        await writer.SendAsync(Command.Set("k", "new"));
        await Task.Delay(100);

        // The reader sees the new value in memory, but must not be told of it before it is on disk: a crash now
        // would otherwise leave it having read a value that never existed.
        await reader.SendAsync(Command.Get("k"));
        var early = () => reader.ReadResponseAsync(TimeSpan.FromMilliseconds(300));
        await early.Should().ThrowAsync<OperationCanceledException>();
        var early2 = () => writer.ReadResponseAsync(TimeSpan.FromMilliseconds(100));
        await early2.Should().ThrowAsync<OperationCanceledException>();

        gate.Set();
        (await writer.ReadResponseAsync()).Should().Be(Response.Ok("k"));
        (await reader.ReadResponseAsync()).Should().Be(Response.Ok("new"));
        server.Server.Log.IoFault = null;
    }

    [Test]
    public async Task When_the_log_fails_nothing_more_is_acknowledged_and_the_server_is_told_to_stop()
    {
        await using var server = Start("always");
        using var first = await server.ConnectAsync();
        (await first.ExecuteAsync(Command.Set("k", "1"))).Should().Be(Response.Ok("k"));
        server.Server.Log!.IoFault = operation => throw new IOException($"simulated {operation} failure");

        // The write that was in flight is never acknowledged: its connection is closed without a response.
        await first.SendAsync(Command.Set("k", "2"));
        (await first.IsClosedByServerAsync(TimeSpan.FromSeconds(5))).Should().BeTrue();
        await server.Server.PersistenceFailed.WaitAsync(TimeSpan.FromSeconds(5));

        using var second = await server.ConnectAsync();
        await second.SendAsync(Command.Set("k", "3", ProtocolVersion.V1, 5));
        (await second.IsClosedByServerAsync(TimeSpan.FromSeconds(5))).Should().BeTrue("nothing is acknowledged once the log has failed");
    }

    private InProcessServer Start(string fsync) => InProcessServer.Start(options => options with
    {
        Persistence = new PersistenceOptions { DataDirectory = _directory, Fsync = PersistenceOptions.ParseFsync(fsync) },
    });
}
