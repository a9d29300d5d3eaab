using Kv.Protocol;
using Kv.Storage.Persistence;

namespace Kv.Server.Tests.Persistence;

/// <summary>The real binary with --data-dir: what it logs at start, and when it refuses to start (exit code 3).</summary>
public class PersistenceProcessTests
{
    private string _directory = null!;

    [SetUp]
    public void SetUp() => _directory = LogFiles.NewDirectory();

    [TearDown]
    public void TearDown() => LogFiles.DeleteDirectory(_directory);

    [Test]
    public async Task A_torn_tail_is_truncated_and_logged_and_the_server_starts_with_the_records_before_it()
    {
        var records = new[] { LogFiles.Set("a", "1"), LogFiles.Set("b", "2") };
        byte[] log = [.. LogFiles.Header(), .. records[0], .. records[1].AsSpan(0, 9)];
        await File.WriteAllBytesAsync(LogFiles.LogPath(_directory), log);

        using var server = await ServerProcess.StartAsync("--port", "0", "--data-dir", _directory);
        (await server.WaitForErrorAsync("Replayed 1 record(s)", TimeSpan.FromSeconds(10))).Should().BeTrue(server.Errors);
        server.Errors.Should().Contain("torn record at offset");
        using var connection = await WireConnection.ConnectAsync(server.EndPoint);
        (await connection.ExecuteAsync(Command.Get("a"))).Should().Be(Response.Ok("1"));
        (await connection.ExecuteAsync(Command.Get("b", ProtocolVersion.V1, 2))).Should().Be(Response.NotFound(2));
    }

    [Test]
    public async Task Damage_in_the_middle_of_the_log_stops_the_start_with_exit_code_3_naming_the_offset_and_the_recovery()
    {
        var first = LogFiles.Set("a", "1");
        var second = LogFiles.Set("b", "2");
        second[14] ^= 0x10;
        await File.WriteAllBytesAsync(LogFiles.LogPath(_directory), [.. LogFiles.Header(), .. first, .. second, .. LogFiles.Set("c", "3")]);
        var offset = LogFormat.FileHeaderSize + first.Length;

        var (exitCode, errors) = await ServerProcess.RunToExitAsync("--port", "0", "--data-dir", _directory);
        exitCode.Should().Be(3);
        errors.Should().Contain($"damaged at offset {offset}").And.Contain($"truncate -s {offset} '{LogFiles.LogPath(_directory)}'");
    }

    [Test]
    public async Task A_directory_in_use_by_another_server_stops_the_start_with_exit_code_3()
    {
        using var first = await ServerProcess.StartAsync("--port", "0", "--data-dir", _directory);
        var (exitCode, errors) = await ServerProcess.RunToExitAsync("--port", "0", "--data-dir", _directory);
        exitCode.Should().Be(3);
        errors.Should().Contain("in use by another Kv server");
    }

    [Test]
    public async Task A_bad_fsync_policy_exits_2_naming_the_option()
    {
        var (exitCode, errors) = await ServerProcess.RunToExitAsync("--data-dir", _directory, "--fsync", "sometimes");
        exitCode.Should().Be(2);
        errors.Should().Contain("--fsync");
    }

    [Test]
    public async Task The_data_directory_and_policy_come_from_the_environment_too()
    {
        var (exitCode, errors) = await ServerProcess.RunToExitAsync(new Dictionary<string, string> { ["KV_DATA_DIR"] = _directory, ["KV_FSYNC"] = "sometimes" });
        exitCode.Should().Be(2);
        errors.Should().Contain("KV_FSYNC must be always, everysec or no, not 'sometimes'");
    }
}
