using System.Runtime.InteropServices;
using Kv.Protocol;

namespace Kv.Server.Tests.Persistence;

/// <summary>
/// The data is its owner's alone whatever the umask: the binary started under umask 000 makes its directory 0700 and its
/// files 0600, tightens a log that an earlier start left readable by anyone, and warns of a directory open to others.
/// </summary>
[NonParallelizable]
[Platform(Exclude = "Win")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class FilePermissionTests
{
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private string _parent = null!;
    private uint _umask;

    [SetUp]
    public void SetUp()
    {
        _parent = LogFiles.NewDirectory();

        // The server inherits the test process's umask.
        _umask = Umask(0);
    }

    [TearDown]
    public void TearDown()
    {
        Umask(_umask);
        LogFiles.DeleteDirectory(_parent);
    }

    [Test]
    public async Task Under_umask_000_the_data_directory_is_0700_and_its_files_0600()
    {
        var directory = Path.Combine(_parent, "data");
        using (var server = await ServerProcess.StartAsync("--port", "0", "--data-dir", directory, "--compaction-min-bytes", "1"))
        {
            using var connection = await WireConnection.ConnectAsync(server.EndPoint);
            for (var i = 0; i < 100; i++)
            {
                (await connection.ExecuteAsync(Command.Set("k", $"value {i}"))).Status.Should().Be(ResponseStatus.Ok);
            }

            // kv.log is then the compacted copy, made as kv.log.tmp.
            (await server.WaitForErrorAsync("Compaction done", TimeSpan.FromSeconds(20))).Should().BeTrue(server.Errors);
            File.GetUnixFileMode(directory).Should().Be(OwnerOnlyDirectory);
            File.GetUnixFileMode(Path.Combine(directory, "kv.log")).Should().Be(OwnerOnlyFile);
            File.GetUnixFileMode(Path.Combine(directory, "kv.lock")).Should().Be(OwnerOnlyFile);
        }

        // A control: this process's own files follow the umask, so the server's modes are its own doing.
        var control = Path.Combine(_parent, "control");
        await File.WriteAllTextAsync(control, "x");
        File.GetUnixFileMode(control).Should().HaveFlag(UnixFileMode.OtherRead);
    }

    [Test]
    public async Task A_log_readable_by_anyone_is_tightened_at_start_and_an_open_directory_is_logged_but_left()
    {
        var directory = Path.Combine(_parent, "data");
        using (var first = await ServerProcess.StartAsync("--port", "0", "--data-dir", directory))
        {
            using var connection = await WireConnection.ConnectAsync(first.EndPoint);
            (await connection.ExecuteAsync(Command.Set("k", "v"))).Status.Should().Be(ResponseStatus.Ok);
        }

        var everyone = (UnixFileMode)0b111_111_111;
        File.SetUnixFileMode(directory, everyone);
        File.SetUnixFileMode(Path.Combine(directory, "kv.log"), everyone & ~(UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute));

        using var server = await ServerProcess.StartAsync("--port", "0", "--data-dir", directory);
        (await server.WaitForErrorAsync("kv.log to 0600", TimeSpan.FromSeconds(10))).Should().BeTrue(server.Errors);
        server.Errors.Should().Contain($"The data directory {directory} is open to others (mode 0777)");
        File.GetUnixFileMode(directory).Should().Be(everyone, "a directory the server did not create may be shared on purpose");
        File.GetUnixFileMode(Path.Combine(directory, "kv.log")).Should().Be(OwnerOnlyFile);
        using var reader = await WireConnection.ConnectAsync(server.EndPoint);
        (await reader.ExecuteAsync(Command.Get("k"))).Should().Be(Response.Ok("v"));
    }

    [DllImport("libc", EntryPoint = "umask")]
    private static extern uint Umask(uint mask);
}
