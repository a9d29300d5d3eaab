using System.CommandLine;
using System.Globalization;
using System.Net;
using Kv.Storage.Persistence;
using Microsoft.Extensions.Logging;

namespace Kv.Server.Hosting;

/// <summary>
/// The server's command line. Every option can also come from an environment variable (<c>KV_PORT</c>, ...); the
/// command line wins over the environment, and the environment over the default.
/// </summary>
internal sealed class ServerCommandLine
{
    private readonly Func<string, string?> _environment;

    public ServerCommandLine(Func<string, string?>? environment = null)
    {
        _environment = environment ?? Environment.GetEnvironmentVariable;
        var defaults = new KvServerOptions();

        Bind = new Option<string>("--bind")
        {
            Description = "Address to listen on (KV_BIND). Listening beyond loopback is an explicit choice: 0.0.0.0 or :: for all.",
            DefaultValueFactory = _ => Env("KV_BIND") ?? defaults.BindAddress.ToString(),
        };
        Port = new Option<int>("--port", "-p")
        {
            Description = "TCP port (KV_PORT); 0 picks a free port and prints it.",
            DefaultValueFactory = _ => EnvInt("KV_PORT", defaults.Port),
        };
        MaxConnections = new Option<int>("--max-connections")
        {
            Description = "Most connections served at once (KV_MAX_CONNECTIONS); one more is answered with an error and closed.",
            DefaultValueFactory = _ => EnvInt("KV_MAX_CONNECTIONS", defaults.MaxConnections),
        };
        MaxFrameBytes = new Option<int>("--max-frame-bytes")
        {
            Description = "Largest request frame accepted, in bytes (KV_MAX_FRAME_BYTES); the largest key or value is this less a few bytes of framing.",
            DefaultValueFactory = _ => EnvInt("KV_MAX_FRAME_BYTES", defaults.MaxFrameBytes),
        };
        IdleTimeout = new Option<double>("--idle-timeout")
        {
            Description = "Seconds a connection may stay silent before it is closed (KV_IDLE_TIMEOUT); 0 turns it off.",
            DefaultValueFactory = _ => EnvDouble("KV_IDLE_TIMEOUT", defaults.IdleTimeout.TotalSeconds),
        };
        ShutdownTimeout = new Option<double>("--shutdown-timeout")
        {
            Description = "Seconds a graceful shutdown waits for connections to finish (KV_SHUTDOWN_TIMEOUT).",
            DefaultValueFactory = _ => EnvDouble("KV_SHUTDOWN_TIMEOUT", defaults.ShutdownTimeout.TotalSeconds),
        };
        IoThreads = new Option<int>("--io-threads")
        {
            Description = "Socket event threads, which also run the commands (KV_IO_THREADS); 0 picks half the cores, at least 1.",
            DefaultValueFactory = _ => EnvInt("KV_IO_THREADS", 0),
        };
        var persistenceDefaults = new PersistenceOptions { DataDirectory = "." };
        DataDir = new Option<string?>("--data-dir")
        {
            Description = "Directory of the append-only log (KV_DATA_DIR); turns persistence on. Without it the store is in memory only.",
            DefaultValueFactory = _ => Env("KV_DATA_DIR"),
        };
        Fsync = new Option<string>("--fsync")
        {
            Description = "When the log is flushed to disk (KV_FSYNC), as Redis's appendfsync: always (a write is acknowledged once on disk), everysec (at most about a second lost in a crash), no (left to the OS).",
            DefaultValueFactory = _ => Env("KV_FSYNC") ?? PersistenceOptions.FormatFsync(persistenceDefaults.Fsync),
        };
        CompactionMinBytes = new Option<long>("--compaction-min-bytes")
        {
            Description = "The log is compacted only once at least this large, in bytes (KV_COMPACTION_MIN_BYTES).",
            DefaultValueFactory = _ => EnvLong("KV_COMPACTION_MIN_BYTES", persistenceDefaults.CompactionMinBytes),
        };
        CompactionRatio = new Option<double>("--compaction-ratio")
        {
            Description = "The log is compacted once this many times the size of the live data (KV_COMPACTION_RATIO); 0 turns compaction off.",
            DefaultValueFactory = _ => EnvDouble("KV_COMPACTION_RATIO", persistenceDefaults.CompactionRatio),
        };
        LogLevel = new Option<LogLevel>("--log-level")
        {
            Description = "Least severe log level written (KV_LOG_LEVEL): Trace, Debug, Information, Warning, Error, Critical, None.",
            DefaultValueFactory = _ => Enum.TryParse<LogLevel>(Env("KV_LOG_LEVEL"), ignoreCase: true, out var level) ? level : Microsoft.Extensions.Logging.LogLevel.Information,
        };

        Root = new RootCommand("Kv server: an in-memory key-value store speaking the Kv wire protocol (versions 0 and 1).")
        {
            Bind, Port, MaxConnections, MaxFrameBytes, IdleTimeout, ShutdownTimeout, IoThreads, LogLevel,
            DataDir, Fsync, CompactionMinBytes, CompactionRatio,
        };
    }

    public RootCommand Root { get; }

    public Option<string> Bind { get; }

    public Option<int> Port { get; }

    public Option<int> MaxConnections { get; }

    public Option<int> MaxFrameBytes { get; }

    public Option<double> IdleTimeout { get; }

    public Option<double> ShutdownTimeout { get; }

    public Option<int> IoThreads { get; }

    public Option<LogLevel> LogLevel { get; }

    public Option<string?> DataDir { get; }

    public Option<string> Fsync { get; }

    public Option<long> CompactionMinBytes { get; }

    public Option<double> CompactionRatio { get; }

    /// <summary>Reads the parsed values into options; throws <see cref="ArgumentException"/> for a bad value.</summary>
    public KvServerOptions ToOptions(ParseResult result)
    {
        var options = new KvServerOptions
        {
            BindAddress = ParseAddress(result.GetValue(Bind)!),
            Port = result.GetValue(Port),
            MaxConnections = result.GetValue(MaxConnections),
            MaxFrameBytes = result.GetValue(MaxFrameBytes),
            IdleTimeout = Seconds(result.GetValue(IdleTimeout), "--idle-timeout"),
            ShutdownTimeout = Seconds(result.GetValue(ShutdownTimeout), "--shutdown-timeout"),
            Persistence = ToPersistence(result),
        };
        options.Validate();
        return options;
    }

    // The policy is checked even without --data-dir, so that a typo is not silently ignored.
    private PersistenceOptions? ToPersistence(ParseResult result)
    {
        var fsync = PersistenceOptions.ParseFsync(result.GetValue(Fsync)!);
        var directory = result.GetValue(DataDir);
        return string.IsNullOrEmpty(directory)
            ? null
            : new PersistenceOptions
            {
                DataDirectory = directory,
                Fsync = fsync,
                CompactionMinBytes = result.GetValue(CompactionMinBytes),
                CompactionRatio = result.GetValue(CompactionRatio),
            };
    }

    /// <summary>The number of socket event threads to ask the runtime for.</summary>
    public int ResolveIoThreads(ParseResult result)
    {
        var threads = result.GetValue(IoThreads);
        if (threads < 0)
        {
            throw new ArgumentException($"--io-threads must not be negative, not {threads}.");
        }

        return threads == 0 ? Math.Max(1, Environment.ProcessorCount / 2) : threads;
    }

    internal static IPAddress ParseAddress(string text)
    {
        if (IPAddress.TryParse(text, out var address))
        {
            return address;
        }

        if (string.Equals(text, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.Loopback;
        }

        throw new ArgumentException($"--bind takes an IP address (such as 127.0.0.1, 0.0.0.0 or ::), not '{text}'.");
    }

    private static TimeSpan Seconds(double seconds, string name) =>
        double.IsFinite(seconds) && seconds >= 0 && seconds <= TimeSpan.MaxValue.TotalSeconds
            ? TimeSpan.FromSeconds(seconds)
            : throw new ArgumentException($"{name} must be a number of seconds, 0 or more, not {seconds}.");

    private string? Env(string name) => _environment(name) is { Length: > 0 } value ? value : null;

    private int EnvInt(string name, int fallback) => Env(name) is { } text
        ? int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : throw new ArgumentException($"{name} must be a whole number, not '{text}'.")
        : fallback;

    private long EnvLong(string name, long fallback) => Env(name) is { } text
        ? long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : throw new ArgumentException($"{name} must be a whole number, not '{text}'.")
        : fallback;

    private double EnvDouble(string name, double fallback) => Env(name) is { } text
        ? double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : throw new ArgumentException($"{name} must be a number, not '{text}'.")
        : fallback;
}
