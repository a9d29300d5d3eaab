using System.Text;
using Kv.Client.Internal;
using Kv.Protocol;
using Microsoft.Extensions.Logging;

namespace Kv.Client;

/// <summary>
/// How a <see cref="KvClient"/> connects and behaves. Immutable: start from <see cref="Default"/> (or
/// <c>new KvClientOptions()</c>) and change what you need with <c>with</c>:
/// <code>var options = KvClientOptions.Default with { EndPoint = "cache:6555", OperationTimeout = TimeSpan.FromSeconds(1) };</code>
/// The options are checked by <see cref="KvClient.ConnectAsync(KvClientOptions, CancellationToken)"/>.
/// </summary>
public sealed record KvClientOptions
{
    /// <summary>The default server address: the local machine on Kv's default port.</summary>
    public const string DefaultEndPoint = "127.0.0.1:6555";

    /// <summary>The port used when <see cref="EndPoint"/> names a host without one.</summary>
    public const int DefaultPort = 6555;

    /// <summary>The options with every default.</summary>
    public static KvClientOptions Default { get; } = new();

    /// <summary>
    /// The server's address as <c>host:port</c>: an IPv4 address, a bracketed IPv6 address (<c>[::1]:6555</c>) or a host
    /// name resolved by DNS at each connection attempt. Without a port, <see cref="DefaultPort"/> is used.
    /// Default <see cref="DefaultEndPoint"/> (<c>127.0.0.1:6555</c>).
    /// </summary>
    public string EndPoint { get; init; } = DefaultEndPoint;

    /// <summary>
    /// How long one connection attempt may take, from the TCP connect to the server's answer to the opening PING.
    /// An attempt that takes longer fails with <see cref="KvConnectionException"/> whose inner exception is a
    /// <see cref="TimeoutException"/>. Default 5 seconds; <see cref="Timeout.InfiniteTimeSpan"/> waits for ever.
    /// </summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a request may wait for its response once it has been queued on the connection. When it expires the
    /// call throws <see cref="TimeoutException"/>; the request's response, should it come later, is read and dropped,
    /// so the connection stays usable. Expiry is checked by a timer that ticks every tenth of this value (between 5 ms
    /// and 500 ms), so a call fails up to that much after the timeout. Default 5 seconds;
    /// <see cref="Timeout.InfiniteTimeSpan"/> turns the timeout off (cancellation tokens still work).
    /// </summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The wait before the second connection attempt after a failed one; each further failure doubles the wait, up to
    /// <see cref="ReconnectMaxDelay"/>. The first attempt after a lost connection is made at once. Default 100 ms.
    /// </summary>
    public TimeSpan ReconnectMinDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest wait between reconnection attempts. Default 5 seconds.</summary>
    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How much of each back-off wait is random, from 0 to 1: a wait of <c>d</c> becomes a random wait between
    /// <c>d * (1 - ReconnectJitter)</c> and <c>d</c>, so that many clients that lost the same server do not all retry
    /// in the same instant when it comes back. 0 makes the waits exact. Default 0.5.
    /// </summary>
    public double ReconnectJitter { get; init; } = 0.5;

    /// <summary>
    /// The largest frame, in bytes, the client sends or accepts, header and length prefixes included: a request
    /// larger than this throws <see cref="ArgumentException"/> before anything is sent, and a larger response tears the
    /// connection down. Match the server's <c>--max-frame-bytes</c>. Default
    /// <see cref="ProtocolLimits.DefaultMaxFrameBytes"/> (64 MiB).
    /// </summary>
    public int MaxFrameBytes { get; init; } = ProtocolLimits.DefaultMaxFrameBytes;

    /// <summary>
    /// The most bytes of encoded requests a connection holds that it has not been able to send yet (while the server
    /// does not read, the socket's buffers fill and requests queue here). A call that would go past it throws
    /// <see cref="KvOverloadedException"/> at once, having queued nothing, instead of letting memory grow without
    /// bound; a single request always fits when nothing else is waiting. The connection also holds up to this much
    /// in the batch it is sending. Default 64 MiB.
    /// </summary>
    public int MaxPendingWriteBytes { get; init; } = 64 * 1024 * 1024;

    /// <summary>
    /// Where the client logs connections, disconnections and reconnections (category <c>Kv.Client</c>), or null
    /// (the default) for no logging.
    /// </summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>
    /// The user to authenticate as, with <see cref="Password"/>; null (the default) for the server's default user
    /// (<c>default</c>, the user of its <c>--password</c>), sent as the empty user name. Needs a <see cref="Password"/>.
    /// </summary>
    public string? User { get; init; }

    /// <summary>
    /// The password, or null (the default) for none. When set, every connection the client opens, the first and every
    /// reconnection, sends AUTH (<see cref="User"/>, this password) before any other request, and is used only once the
    /// server accepted it; a refusal fails the connection attempt with <see cref="KvAuthenticationException"/>, and the
    /// client makes no further attempt with these credentials. Never shown by <see cref="ToString"/>, in logs or in
    /// exception messages. Must not be empty.
    /// </summary>
    public string? Password { get; init; }

    /// <summary>
    /// TLS for every connection, or null (the default) for plain TCP. With TLS, each connection, the first and every
    /// reconnection, completes a TLS handshake before its AUTH and opening PING, within <see cref="ConnectTimeout"/>; a
    /// handshake that fails on the certificate fails with <see cref="KvTlsException"/> and is not tried again.
    /// <see cref="KvTlsOptions.Default"/> checks the server's certificate with the system's trust store against the
    /// host of <see cref="EndPoint"/>.
    /// </summary>
    public KvTlsOptions? Tls { get; init; }

    /// <summary>
    /// Reads a connection string: <c>host:port</c>, then options separated by commas, each <c>name=value</c> (names
    /// case-insensitive): <c>user=alice</c>, <c>password=secret</c>, <c>ssl=true</c> (TLS with
    /// <see cref="KvTlsOptions.Default"/>, or the defaults' <see cref="Tls"/>; <c>ssl=false</c> for none) and
    /// <c>sslhost=NAME</c> (<see cref="KvTlsOptions.TargetHost"/>; turns TLS on). For example
    /// <c>cache.local:6555,ssl=true,user=app,password=s3cret</c>. A value runs to the next comma, so a password that contains a
    /// comma cannot be written here: set <see cref="Password"/> on the options instead (an <c>=</c> in a value is fine).
    /// Every other option is taken from <paramref name="defaults"/> (or <see cref="Default"/>).
    /// </summary>
    /// <param name="connectionString">The connection string.</param>
    /// <param name="defaults">The options the string's are applied to; <see cref="Default"/> when null.</param>
    /// <returns>The options.</returns>
    /// <exception cref="ArgumentException">An option is unknown, repeated, or has no <c>=</c>; the message names it but never quotes a value.</exception>
    public static KvClientOptions Parse(string connectionString, KvClientOptions? defaults = null)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var options = defaults ?? Default;
        var parts = connectionString.Split(',');
        options = options with { EndPoint = parts[0].Trim() };
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 1; i < parts.Length; i++)
        {
            var part = parts[i];
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                // Never quote the text: it may be (part of) a password.
                throw new ArgumentException(
                    $"Option {i} of the connection string has no '=': options are name=value (user, password), separated by commas. " +
                    "A password that contains a comma must be set with KvClientOptions.Password.",
                    nameof(connectionString));
            }

            var name = part[..equals].Trim();
            var value = part[(equals + 1)..];
            if (!seen.Add(name))
            {
                throw new ArgumentException($"The connection string gives the option '{name}' more than once.", nameof(connectionString));
            }

            options = name.ToLowerInvariant() switch
            {
                "user" => options with { User = value.Trim() },
                "password" => options with { Password = value },
                "ssl" => ParseSsl(options, value.Trim()),
                "sslhost" => options with { Tls = (options.Tls ?? KvTlsOptions.Default) with { TargetHost = value.Trim() } },
                _ => throw new ArgumentException(
                    $"Unknown option '{name}' in the connection string: the options are user, password, ssl and sslhost (the others are set on KvClientOptions).",
                    nameof(connectionString)),
            };
        }

        return options;

        static KvClientOptions ParseSsl(KvClientOptions options, string value)
        {
            if (bool.TryParse(value, out var ssl))
            {
                return options with { Tls = ssl ? options.Tls ?? KvTlsOptions.Default : null };
            }

            throw new ArgumentException("The connection string's option 'ssl' must be true or false.", nameof(connectionString));
        }
    }

    /// <summary>Every option but the password, which shows only as set or not.</summary>
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("EndPoint = ").Append(EndPoint)
            .Append(", ConnectTimeout = ").Append(ConnectTimeout)
            .Append(", OperationTimeout = ").Append(OperationTimeout)
            .Append(", ReconnectMinDelay = ").Append(ReconnectMinDelay)
            .Append(", ReconnectMaxDelay = ").Append(ReconnectMaxDelay)
            .Append(", ReconnectJitter = ").Append(ReconnectJitter)
            .Append(", MaxFrameBytes = ").Append(MaxFrameBytes)
            .Append(", MaxPendingWriteBytes = ").Append(MaxPendingWriteBytes)
            .Append(", LoggerFactory = ").Append(LoggerFactory)
            .Append(", User = ").Append(User)
            .Append(", Password = ").Append(Password is null ? "(none)" : "(set)")
            .Append(", Tls = ").Append(Tls?.ToString() ?? "(none)");
        return true;
    }

    /// <summary>Checks every option, throwing <see cref="ArgumentException"/> naming the first bad one.</summary>
    internal void Validate()
    {
        if (!EndPointParser.TryParse(EndPoint, out _, out var error))
        {
            throw new ArgumentException(error, nameof(EndPoint));
        }

        CheckTimeout(ConnectTimeout, nameof(ConnectTimeout));
        CheckTimeout(OperationTimeout, nameof(OperationTimeout));
        if (ReconnectMinDelay < TimeSpan.Zero || ReconnectMinDelay > TimeSpan.FromDays(1))
        {
            throw new ArgumentException($"{nameof(ReconnectMinDelay)} must be from zero to one day, not {ReconnectMinDelay}.", nameof(ReconnectMinDelay));
        }

        if (ReconnectMaxDelay < ReconnectMinDelay || ReconnectMaxDelay > TimeSpan.FromDays(1))
        {
            throw new ArgumentException($"{nameof(ReconnectMaxDelay)} must be from {nameof(ReconnectMinDelay)} ({ReconnectMinDelay}) to one day, not {ReconnectMaxDelay}.", nameof(ReconnectMaxDelay));
        }

        if (MaxPendingWriteBytes <= 0)
        {
            throw new ArgumentException($"{nameof(MaxPendingWriteBytes)} must be positive, not {MaxPendingWriteBytes}.", nameof(MaxPendingWriteBytes));
        }

        if (!(ReconnectJitter >= 0 && ReconnectJitter <= 1))
        {
            throw new ArgumentException($"{nameof(ReconnectJitter)} must be from 0 to 1, not {ReconnectJitter}.", nameof(ReconnectJitter));
        }

        if (Password is { Length: 0 })
        {
            throw new ArgumentException($"{nameof(Password)} must not be empty: null for none.", nameof(Password));
        }

        if (User is not null && Password is null)
        {
            throw new ArgumentException($"{nameof(User)} is set without a {nameof(Password)}: a user authenticates with a password.", nameof(User));
        }

        if (Tls is { TargetHost: { } host } && string.IsNullOrWhiteSpace(host))
        {
            throw new ArgumentException($"{nameof(Tls)}.{nameof(KvTlsOptions.TargetHost)} must not be empty: null for the host of {nameof(EndPoint)}.", nameof(Tls));
        }

        if (MaxFrameBytes < ProtocolLimits.MinimumMaxFrameBytes)
        {
            throw new ArgumentException($"{nameof(MaxFrameBytes)} must be at least {ProtocolLimits.MinimumMaxFrameBytes}, not {MaxFrameBytes}.", nameof(MaxFrameBytes));
        }

        static void CheckTimeout(TimeSpan value, string name)
        {
            if (value != Timeout.InfiniteTimeSpan && (value <= TimeSpan.Zero || value.TotalMilliseconds > int.MaxValue))
            {
                throw new ArgumentException($"{name} must be positive (at most {int.MaxValue} ms) or Timeout.InfiniteTimeSpan, not {value}.", name);
            }
        }
    }
}
