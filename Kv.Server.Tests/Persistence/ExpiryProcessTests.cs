using System.Diagnostics;
using Kv.Protocol;

namespace Kv.Server.Tests.Persistence;

/// <summary>
/// Expiry across SIGKILL of the kv-server binary: every acknowledged SETX, EXPIRE and PERSIST is in the log the restarted
/// server replays, with absolute times, so keys keep what is left of their time to live and a key whose time passed while
/// the server was down is gone.
/// </summary>
public class ExpiryProcessTests
{
    private string _directory = null!;

    [SetUp]
    public void SetUp() => _directory = LogFiles.NewDirectory();

    [TearDown]
    public void TearDown() => LogFiles.DeleteDirectory(_directory);

    [TestCase("always")]
    [TestCase("everysec")]
    public async Task Expiry_survives_sigkill_and_restart(string fsync)
    {
        const int Keys = 500;
        var clock = Stopwatch.StartNew();
        TimeSpan shortGoneBy;
        using (var server = await ServerProcess.StartAsync("--port", "0", "--data-dir", _directory, "--fsync", fsync))
        {
            using var connection = await WireConnection.ConnectAsync(server.EndPoint);
            for (var i = 0; i < Keys; i++)
            {
                (await connection.ExecuteAsync(Command.SetX($"long{i}", "v", SetFlags.RelativeExpiry, 3_600_000, 1))).Status.Should().Be(ResponseStatus.Ok);
                (await connection.ExecuteAsync(Command.SetX($"short{i}", "v", SetFlags.RelativeExpiry, 500, 2))).Status.Should().Be(ResponseStatus.Ok);
                (await connection.ExecuteAsync(Command.SetX($"persisted{i}", "v", SetFlags.RelativeExpiry, 500, 3))).Status.Should().Be(ResponseStatus.Ok);
                (await connection.ExecuteAsync(Command.Persist($"persisted{i}", 4))).Should().Be(Response.Applied(true, 4));
                (await connection.ExecuteAsync(Command.Set($"expired{i}", "v", ProtocolVersion.V1, 5))).Status.Should().Be(ResponseStatus.Ok);
                (await connection.ExecuteAsync(Command.Expire($"expired{i}", ExpireFlags.RelativeExpiry, 500, 6))).Should().Be(Response.Applied(true, 6));
            }

            shortGoneBy = clock.Elapsed + TimeSpan.FromMilliseconds(500);
            await server.KillAsync();
        }

        (await Waiting.UntilAsync(() => clock.Elapsed > shortGoneBy, TimeSpan.FromSeconds(10))).Should().BeTrue();
        using var restarted = await ServerProcess.StartAsync("--port", "0", "--data-dir", _directory, "--fsync", fsync);
        using var again = await WireConnection.ConnectAsync(restarted.EndPoint);
        for (var i = 0; i < Keys; i++)
        {
            var ttl = await again.ExecuteAsync(Command.Ttl($"long{i}", 1));
            ttl.TryReadTimeToLive(out var left).Should().BeTrue("long{0} was acknowledged", i);
            left.Should().BeInRange(3_600_000 - (long)clock.Elapsed.TotalMilliseconds - 1000, 3_600_000);
            (await again.ExecuteAsync(Command.Get($"short{i}", ProtocolVersion.V1, 2))).Should().Be(Response.NotFound(2));
            (await again.ExecuteAsync(Command.Get($"expired{i}", ProtocolVersion.V1, 3))).Should().Be(Response.NotFound(3));
            var persisted = await again.ExecuteAsync(Command.Ttl($"persisted{i}", 4));
            persisted.TryReadTimeToLive(out var none).Should().BeTrue();
            none.Should().Be(-1, "PERSIST was acknowledged before the kill");
        }
    }
}
