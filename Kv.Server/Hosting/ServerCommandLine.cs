using Kv.Epoll;
using System.CommandLine;
using System.Globalization;
using System.Net;
using Kv.CommandLine;

using Kv.Storage.Persistence;
using Microsoft.Extensions.Logging;

namespace Kv.Server.Hosting;

/// <summary>
/// The server's command line. Every option can also come from an environment variable (<c>KV_PORT</c>, ...); the command
/// line wins over the environment, and the environment over the default. A value that cannot be parsed, or is out of
/// range, is a usage error that names the option (or the variable).
/// </summary>
internal sealed class ServerCommandLine
{
    private readonly Func<string, string?> _environment;

    public ServerCommandLine(Func<string, string?>? environment = null)
    {
        _environment = environment ?? Environment.GetEnvironmentVariable;
        var defaults = new KvServerOptions();
        var persistence = new PersistenceOptions { DataDirectory = "." };

        Bind = ToolOptions.Value("--bind", "Address to listen on. Listening beyond loopback is an explicit choice: 0.0.0.0 or :: for all.",
            ParseAddress, defaults.BindAddress, "KV_BIND", environment);
        Port = ToolOptions.Value("--port", "TCP port; 0 picks a free port and prints it.", ToolOptions.Port(allowZero: true), defaults.Port, "KV_PORT", environment, "-p");
        MaxConnections = ToolOptions.Value("--max-connections", "Most connections served at once; one more is answered with an error and closed.",
            ToolOptions.Int(1, int.MaxValue), defaults.MaxConnections, "KV_MAX_CONNECTIONS", environment);
        MaxFrameBytes = ToolOptions.Value("--max-frame-bytes", "Largest request frame accepted, in bytes; the largest key or value is this less a few bytes of framing.",
            ToolOptions.Int(Kv.Protocol.ProtocolLimits.MinimumMaxFrameBytes, int.MaxValue), defaults.MaxFrameBytes, "KV_MAX_FRAME_BYTES", environment);
        IdleTimeout = ToolOptions.Value("--idle-timeout", "Seconds a connection may stay silent before it is closed; 0 turns it off.",
            Seconds, defaults.IdleTimeout.TotalSeconds, "KV_IDLE_TIMEOUT", environment);
        MaxMemory = ToolOptions.Value("--max-memory", "Most memory the store may hold (records, indexes, expiry data), as 512mb or 4gb; past it a write evicts keys (--eviction) or is refused with ERROR OutOfMemory while reads go on. 0: no limit. Default: three quarters of the machine's or container's memory beyond 96 MiB.",
            ToolOptions.Size(0), defaults.MaxMemory, "KV_MAX_MEMORY", environment);
        Eviction = ToolOptions.Value("--eviction", "What a write past --max-memory does: noeviction refuses it (ERROR OutOfMemory); s3fifo (S3-FIFO, scan-resistant), allkeys-lru, volatile-lru, allkeys-random, volatile-random, volatile-ttl evict keys to make room, as Redis's maxmemory-policy.",
            ToolOptions.OneOf(EvictionPolicyNames.All), EvictionPolicyNames.Format(defaults.Eviction), "KV_EVICTION", environment);
        MaxClientMemory = ToolOptions.Value("--max-client-memory", "Most memory all client buffers together may take beyond their starting size (large frames arriving, large responses waiting), as 256mb; past it, ERROR OutOfMemory. Default: an eighth of the memory, at most 1gb.",
            ToolOptions.Size(1024 * 1024), defaults.MaxClientMemory, "KV_MAX_CLIENT_MEMORY", environment);
        ClientOutputLimit = ToolOptions.Value("--client-output-limit", "Most response bytes held for one client before it is disconnected, as Redis's client-output-buffer-limit (hard); 0 turns it off.",
            ToolOptions.Size(0), defaults.ClientOutputLimit, "KV_CLIENT_OUTPUT_LIMIT", environment);
        TcpKeepAlive = ToolOptions.Value("--tcp-keepalive", "Seconds without traffic after which TCP keepalive probes a client, to drop half-open connections; 0 turns it off.",
            Seconds, defaults.TcpKeepAlive.TotalSeconds, "KV_TCP_KEEPALIVE", environment);
        ShutdownTimeout = ToolOptions.Value("--shutdown-timeout", "Seconds a graceful shutdown waits for connections to finish.",
            Seconds, defaults.ShutdownTimeout.TotalSeconds, "KV_SHUTDOWN_TIMEOUT", environment);
        IoThreads = ToolOptions.Value("--io-threads", "Event threads, which also run the commands; 0 picks half the cores, at least 1.",
            ToolOptions.Int(0, 1024), 0, "KV_IO_THREADS", environment);
        Transport = ToolOptions.Value("--transport", "What serves the connections: epoll (Kv's own event loops; Linux) or sockets (the runtime's socket engine). Default: epoll where it exists.",
            ToolOptions.OneOf("epoll", "sockets"), Native.IsSupported ? "epoll" : "sockets", "KV_TRANSPORT", environment);
        DataDir = ToolOptions.Value<string?>("--data-dir", "Directory of the append-only log; turns persistence on. Without it the store is in memory only.",
            Directory, null, "KV_DATA_DIR", environment);
        Fsync = ToolOptions.Value("--fsync", "When the log is flushed to disk, as Redis's appendfsync: always (a write is acknowledged once on disk), everysec (at most about a second lost in a crash of the machine), no (left to the OS).",
            ToolOptions.OneOf("always", "everysec", "no"), PersistenceOptions.FormatFsync(persistence.Fsync), "KV_FSYNC", environment);
        CompactionMinBytes = ToolOptions.Value("--compaction-min-bytes", "The log is compacted only once at least this large, in bytes.",
            ToolOptions.Long(0, long.MaxValue), persistence.CompactionMinBytes, "KV_COMPACTION_MIN_BYTES", environment);
        CompactionRatio = ToolOptions.Value("--compaction-ratio", "The log is compacted once this many times the size of the live data; 0 turns compaction off.",
            ParseRatio, persistence.CompactionRatio, "KV_COMPACTION_RATIO", environment);
        LogLevel = ToolOptions.Value("--log-level", "Least severe log level written.",
            ParseLogLevel, Microsoft.Extensions.Logging.LogLevel.Information, "KV_LOG_LEVEL", environment);

        Users = ToolOptions.Value<string?>("--users", "Users file: one user per line, 'name permission hash' (permission read, readwrite or admin; the hash from kv-server hash-password). Turns authentication on: connections must AUTH (protocol version 1) before anything but PING.",
            UsersFile, null, "KV_USERS", environment);

        TlsPort = ToolOptions.Value<int?>("--tls-port", "A second port served over TLS (1.2 and 1.3), beside --port in plain text; 0 picks a free one. Needs --tls-cert and --tls-key.",
            TlsPortValue, null, "KV_TLS_PORT", environment);
        TlsCert = ToolOptions.Value<string?>("--tls-cert", "The server's certificate (and chain) for --tls-port, a PEM file; re-read on SIGHUP.",
            FileName, null, "KV_TLS_CERT", environment);
        TlsKey = ToolOptions.Value<string?>("--tls-key", "The private key of --tls-cert, a PEM file (PKCS#8, RSA or EC); re-read on SIGHUP.",
            FileName, null, "KV_TLS_KEY", environment);
        TlsClientCa = ToolOptions.Value<string?>("--tls-client-ca", "Mutual TLS: a PEM bundle of certificate authorities; clients must present a certificate that chains to one of them.",
            FileName, null, "KV_TLS_CLIENT_CA", environment);
        TlsClientUser = ToolOptions.Value("--tls-client-user", "With --tls-client-ca and users: 'cn' authenticates a TLS connection as the user its client certificate's common name (CN) names, without AUTH; 'none' (the default) leaves that to AUTH.",
            ToolOptions.OneOf(["none", "cn"]), "none", "KV_TLS_CLIENT_USER", environment);
        TlsHandshakeTimeout = ToolOptions.Value("--tls-handshake-timeout", "Seconds a TLS client has from accept to finish its handshake before it is closed.",
            Seconds, defaults.TlsHandshakeTimeout.TotalSeconds, "KV_TLS_HANDSHAKE_TIMEOUT", environment);

        // Not read from the environment by the option itself: the help would show a default taken from KV_PASSWORD.
        Password = new Option<string?>("--password")
        {
            Description = "A password for a single user 'default' with permission admin (as Redis's requirepass); turns authentication on. Prefer the variable, which ps does not show (KV_PASSWORD)",
        };
        Unprotected = new Option<bool>("--unprotected")
        {
            Description = "Listen on an address beyond loopback without authentication; refused otherwise (protected mode) (KV_UNPROTECTED=true)",
            DefaultValueFactory = result => _environment("KV_UNPROTECTED") switch
            {
                null or "" => false,
                var text when bool.TryParse(text, out var value) => value,
                "1" => true,
                "0" => false,
                var text => Invalid(result, text),
            },
        };

        Root = ToolCommand.Create("kv-server", "The Kv server: an in-memory key-value store speaking the Kv wire protocol (versions 0 and 1), optionally persistent. 'kv-server hash-password --help': make a users-file line for --users.");
        foreach (var option in new Option[] { Bind, Port, Users, Password, Unprotected, TlsPort, TlsCert, TlsKey, TlsClientCa, TlsClientUser, TlsHandshakeTimeout, MaxConnections, MaxFrameBytes, MaxMemory, Eviction, MaxClientMemory, ClientOutputLimit, IdleTimeout, TcpKeepAlive, ShutdownTimeout, Transport, IoThreads, LogLevel, DataDir, Fsync, CompactionMinBytes, CompactionRatio })
        {
            Root.Options.Add(option);
        }


        static bool Invalid(System.CommandLine.Parsing.ArgumentResult result, string text)
        {
            result.AddError($"KV_UNPROTECTED: '{text}' is not valid; expected true or false.");
            return false;
        }
    }

    public Command Root { get; }

    public Option<string?> Users { get; }

    public Option<string?> Password { get; }

    public Option<bool> Unprotected { get; }

    public Option<IPAddress> Bind { get; }

    public Option<int?> TlsPort { get; }

    public Option<string?> TlsCert { get; }

    public Option<string?> TlsKey { get; }

    public Option<string?> TlsClientCa { get; }

    public Option<string> TlsClientUser { get; }

    public Option<double> TlsHandshakeTimeout { get; }

    public Option<int> Port { get; }

    public Option<int> MaxConnections { get; }

    public Option<int> MaxFrameBytes { get; }

    public Option<double> IdleTimeout { get; }

    public Option<double> TcpKeepAlive { get; }

    public Option<long> MaxClientMemory { get; }

    public Option<long> MaxMemory { get; }

    public Option<long> ClientOutputLimit { get; }

    public Option<string> Eviction { get; }

    public Option<double> ShutdownTimeout { get; }

    public Option<int> IoThreads { get; }

    public Option<string> Transport { get; }

    public Option<LogLevel> LogLevel { get; }

    public Option<string?> DataDir { get; }

    public Option<string> Fsync { get; }

    public Option<long> CompactionMinBytes { get; }

    public Option<double> CompactionRatio { get; }

    /// <summary>Reads the parsed values into options; throws <see cref="ArgumentException"/> for a bad combination.</summary>
    public KvServerOptions ToOptions(ParseResult result)
    {
        var usersFile = result.GetValue(Users);
        var password = result.GetValue(Password) is { Length: > 0 } given ? given : _environment("KV_PASSWORD") is { Length: > 0 } variable ? variable : null;
        if (usersFile is not null && password is not null)
        {
            throw new ArgumentException("--users and --password (KV_USERS and KV_PASSWORD) exclude each other: give one.");
        }

        var options = new KvServerOptions
        {
            BindAddress = result.GetValue(Bind)!,
            Users = usersFile is not null ? Security.UserDirectory.Load(usersFile) : password is not null ? Security.UserDirectory.FromPassword(password) : null,
            Unprotected = result.GetValue(Unprotected),
            Port = result.GetValue(Port),
            TlsPort = result.GetValue(TlsPort),
            TlsCertificateFile = result.GetValue(TlsCert),
            TlsKeyFile = result.GetValue(TlsKey),
            TlsClientCaFile = result.GetValue(TlsClientCa),
            TlsUserFromClientCertificate = result.GetValue(TlsClientUser) == "cn",
            TlsHandshakeTimeout = TimeSpan.FromSeconds(result.GetValue(TlsHandshakeTimeout)),
            MaxConnections = result.GetValue(MaxConnections),
            MaxFrameBytes = result.GetValue(MaxFrameBytes),
            IdleTimeout = TimeSpan.FromSeconds(result.GetValue(IdleTimeout)),
            TcpKeepAlive = TimeSpan.FromSeconds(result.GetValue(TcpKeepAlive)),
            MaxClientMemory = result.GetValue(MaxClientMemory),
            MaxMemory = result.GetValue(MaxMemory),
            Eviction = EvictionPolicyNames.Parse(result.GetValue(Eviction)!),
            ClientOutputLimit = result.GetValue(ClientOutputLimit),
            ShutdownTimeout = TimeSpan.FromSeconds(result.GetValue(ShutdownTimeout)),
            Transport = result.GetValue(Transport) == "sockets" ? ServerTransport.Sockets : ServerTransport.EventLoop,
            EventThreads = result.GetValue(IoThreads),
            Persistence = result.GetValue(DataDir) is { } directory
                ? new PersistenceOptions
                {
                    DataDirectory = directory,
                    Fsync = PersistenceOptions.ParseFsync(result.GetValue(Fsync)!),
                    CompactionMinBytes = result.GetValue(CompactionMinBytes),
                    CompactionRatio = result.GetValue(CompactionRatio),
                }
                : null,
        };
        options.Validate();
        return options;
    }


    internal static bool ParseAddress(string text, out IPAddress value, out string expected)
    {
        expected = "an IP address (such as 127.0.0.1, 0.0.0.0 or ::)";
        if (string.Equals(text, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            value = IPAddress.Loopback;
            return true;
        }

        return IPAddress.TryParse(text, out value!);
    }

    private static bool Seconds(string text, out double value, out string expected)
    {
        expected = "a number of seconds, 0 or more";
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value) && value >= 0 && value <= TimeSpan.MaxValue.TotalSeconds / 2;
    }

    private static bool UsersFile(string text, out string? value, out string expected)
    {
        expected = "a file";
        value = text;
        return text.Length > 0;
    }

    private static bool TlsPortValue(string text, out int? value, out string expected)
    {
        expected = "a port from 0 to 65535";
        value = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535 ? port : null;
        return value is not null;
    }

    private static bool FileName(string text, out string? value, out string expected)
    {
        expected = "a file";
        value = text;
        return text.Length > 0;
    }

    private static bool Directory(string text, out string? value, out string expected)
    {
        expected = "a directory";
        value = text;
        return text.Length > 0;
    }

    private static bool ParseRatio(string text, out double value, out string expected)
    {
        expected = "a number more than 1, or 0 to turn compaction off";
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value) && (value == 0 || value > 1);
    }

    private static bool ParseLogLevel(string text, out LogLevel value, out string expected)
    {
        expected = "Trace, Debug, Information, Warning, Error, Critical or None";
        return Enum.TryParse(text, ignoreCase: true, out value) && Enum.IsDefined(value) && !int.TryParse(text, out _);
    }
}
