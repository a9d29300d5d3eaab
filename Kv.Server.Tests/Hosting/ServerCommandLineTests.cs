using System.Net;
using Kv.Server.Hosting;
using Kv.Storage.Persistence;

namespace Kv.Server.Tests.Hosting;

public class ServerCommandLineTests
{
    [Test]
    public void Defaults_are_loopback_port_6555_and_the_documented_limits()
    {
        var options = Parse([], []);
        options.BindAddress.Should().Be(IPAddress.Loopback);
        options.Port.Should().Be(6555);
        options.MaxConnections.Should().Be(10_000);
        options.MaxFrameBytes.Should().Be(64 * 1024 * 1024);
        options.IdleTimeout.Should().Be(TimeSpan.FromMinutes(5));
        options.ShutdownTimeout.Should().Be(TimeSpan.FromSeconds(10));
        options.Persistence.Should().BeNull("the store is in memory only unless a data directory is given");
    }

    [Test]
    public void A_data_directory_turns_persistence_on_with_everysec_and_the_documented_compaction_thresholds()
    {
        var options = Parse(["--data-dir", "/var/lib/kv"], []);
        options.Persistence.Should().Be(new PersistenceOptions
        {
            DataDirectory = "/var/lib/kv", Fsync = FsyncPolicy.EverySecond, CompactionMinBytes = 64L * 1024 * 1024, CompactionRatio = 2,
        });
    }

    [Test]
    public void Persistence_options_come_from_the_environment_and_the_command_line_wins()
    {
        var environment = new Dictionary<string, string>
        {
            ["KV_DATA_DIR"] = "/data", ["KV_FSYNC"] = "no", ["KV_COMPACTION_MIN_BYTES"] = "1000", ["KV_COMPACTION_RATIO"] = "3.5",
        };
        Parse([], environment).Persistence.Should().Be(new PersistenceOptions
        {
            DataDirectory = "/data", Fsync = FsyncPolicy.No, CompactionMinBytes = 1000, CompactionRatio = 3.5,
        });
        Parse(["--fsync", "ALWAYS", "--data-dir", "/other", "--compaction-ratio", "0"], environment).Persistence.Should().Be(new PersistenceOptions
        {
            DataDirectory = "/other", Fsync = FsyncPolicy.Always, CompactionMinBytes = 1000, CompactionRatio = 0,
        });
    }

    [Test]
    public void Environment_variables_set_every_option()
    {
        var options = Parse([], new()
        {
            ["KV_BIND"] = "0.0.0.0", ["KV_PORT"] = "7000", ["KV_MAX_CONNECTIONS"] = "12",
            ["KV_MAX_FRAME_BYTES"] = "4096", ["KV_IDLE_TIMEOUT"] = "0", ["KV_SHUTDOWN_TIMEOUT"] = "2.5",
        });
        options.BindAddress.Should().Be(IPAddress.Any);
        options.Port.Should().Be(7000);
        options.MaxConnections.Should().Be(12);
        options.MaxFrameBytes.Should().Be(4096);
        options.IdleTimeout.Should().Be(TimeSpan.Zero);
        options.ShutdownTimeout.Should().Be(TimeSpan.FromSeconds(2.5));
    }

    [Test]
    public void The_command_line_wins_over_the_environment()
    {
        var options = Parse(["--port", "0", "--bind", "::1", "--max-frame-bytes", "100000", "--idle-timeout", "1.5"], new() { ["KV_PORT"] = "7000" });
        options.Port.Should().Be(0);
        options.BindAddress.Should().Be(IPAddress.IPv6Loopback);
        options.MaxFrameBytes.Should().Be(100_000);
        options.IdleTimeout.Should().Be(TimeSpan.FromSeconds(1.5));
    }

    [TestCase("--port", "70000")]
    [TestCase("--port", "abc")]
    [TestCase("--max-connections", "0")]
    [TestCase("--max-frame-bytes", "10")]
    [TestCase("--idle-timeout", "-1")]
    [TestCase("--bind", "not-an-address")]
    [TestCase("--fsync", "sometimes")]
    [TestCase("--compaction-ratio", "0.5")]
    [TestCase("--compaction-min-bytes", "-1")]
    [TestCase("--log-level", "loud")]
    [TestCase("--io-threads", "-1")]
    public void Bad_values_are_refused_with_the_option_named_and_the_value_quoted(string option, string value)
    {
        var errors = ParseErrors([option, value, "--data-dir", "/tmp/kv"], []);
        errors.Should().ContainSingle().Which.Should().StartWith($"{option} must be ").And.EndWith($", not '{value}'.");
    }

    [Test]
    public void Persistence_options_are_checked_without_a_data_directory_too()
    {
        // A typo in an option that only matters with --data-dir is still a typo.
        ParseErrors(["--compaction-ratio", "0.5"], []).Should().ContainSingle().Which.Should().Contain("--compaction-ratio");
        ParseErrors(["--fsync", "sometimes"], []).Should().ContainSingle().Which.Should().Contain("--fsync");
    }

    [Test]
    public void A_bad_environment_value_names_the_variable()
    {
        ParseErrors([], new() { ["KV_PORT"] = "http" }).Should().ContainSingle().Which.Should().Be("KV_PORT must be a whole number from 0 to 65535, not 'http'.");
        ParseErrors(["--port", "7000"], new() { ["KV_PORT"] = "http" }).Should().BeEmpty("the command line wins, and the variable is not read");
    }

    [Test]
    public void The_help_names_the_command_and_gives_each_default_once()
    {
        var commandLine = new ServerCommandLine(_ => null);
        var output = new StringWriter();
        commandLine.Root.Parse(["--help"]).Invoke(new System.CommandLine.InvocationConfiguration { Output = output });
        var help = output.ToString();
        help.Should().Contain("kv-server [options]").And.NotContain("Kv.Server");
        help.Should().Contain("--port").And.Contain("(KV_PORT)");
        System.Text.RegularExpressions.Regex.Matches(help, "default: 6555").Should().HaveCount(1);
    }

    private static IReadOnlyList<string> ParseErrors(string[] args, Dictionary<string, string> environment) =>
        new ServerCommandLine(name => environment.GetValueOrDefault(name)).Root.Parse(args).Errors.Select(e => e.Message).ToList();

    private static KvServerOptions Parse(string[] args, Dictionary<string, string> environment)
    {
        var commandLine = new ServerCommandLine(name => environment.GetValueOrDefault(name));
        var result = commandLine.Root.Parse(args);
        result.Errors.Should().BeEmpty();
        return commandLine.ToOptions(result);
    }
}
