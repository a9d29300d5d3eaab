using System.Text;

namespace Kv.Protocol;

/// <summary>
/// A command that owns its bytes: the form applications build and keep. Strings given to the factories are
/// encoded as UTF-8; keys and values are raw bytes on the wire, so any bytes are allowed.
/// </summary>
public sealed class Command : IEquatable<Command>
{
    /// <summary>Creates a command.</summary>
    /// <param name="kind">Which command.</param>
    /// <param name="key">The key (empty for PING).</param>
    /// <param name="value">The value of SET or the message of PING (empty otherwise).</param>
    /// <param name="version">The protocol version to send it in.</param>
    /// <param name="requestId">The request id (version 1 only; must be 0 in version 0).</param>
    public Command(CommandKind kind, byte[] key, byte[] value, ProtocolVersion version = ProtocolVersion.V0, uint requestId = 0)
        : this(kind, key, value, 0, 0, version, requestId)
    {
    }

    /// <summary>Creates a command that carries option bits and a time (SETX, EXPIRE, GETEX), or any command.</summary>
    /// <param name="kind">Which command.</param>
    /// <param name="key">The key (empty for PING).</param>
    /// <param name="value">The value of SET and SETX or the message of PING (empty otherwise).</param>
    /// <param name="flags">The option bits (<see cref="SetFlags"/>, <see cref="ExpireFlags"/>, <see cref="GetExFlags"/>); 0 for a command without them.</param>
    /// <param name="time">The time in milliseconds; 0 for a command without one.</param>
    /// <param name="version">The protocol version to send it in.</param>
    /// <param name="requestId">The request id (version 1 only; must be 0 in version 0).</param>
    public Command(CommandKind kind, byte[] key, byte[] value, ushort flags, long time, ProtocolVersion version = ProtocolVersion.V1, uint requestId = 0)
    {
        Kind = kind;
        Key = key ?? throw new ArgumentNullException(nameof(key));
        Value = value ?? throw new ArgumentNullException(nameof(value));
        Flags = flags;
        Time = time;
        Version = version;
        RequestId = requestId;
    }

    /// <summary>Which command this is.</summary>
    public CommandKind Kind { get; }

    /// <summary>The key of every command but PING; empty for PING.</summary>
    public byte[] Key { get; }

    /// <summary>The value of SET and SETX, or the message of PING; empty for the others.</summary>
    public byte[] Value { get; }

    /// <summary>The option bits of SETX, EXPIRE and GETEX; 0 for the others.</summary>
    public ushort Flags { get; }

    /// <summary>The time, in milliseconds, of SETX, EXPIRE and GETEX; 0 for the others.</summary>
    public long Time { get; }

    /// <summary>The protocol version.</summary>
    public ProtocolVersion Version { get; }

    /// <summary>The request id (version 1).</summary>
    public uint RequestId { get; }

    /// <summary>The key decoded as UTF-8.</summary>
    public string KeyText => Encoding.UTF8.GetString(Key);

    /// <summary>The value (or PING message) decoded as UTF-8.</summary>
    public string ValueText => Encoding.UTF8.GetString(Value);

    /// <summary>A GET of <paramref name="key"/>.</summary>
    public static Command Get(byte[] key, ProtocolVersion version = ProtocolVersion.V0, uint requestId = 0) => new(CommandKind.Get, key, [], version, requestId);

    /// <summary>A GET of the UTF-8 bytes of <paramref name="key"/>.</summary>
    public static Command Get(string key, ProtocolVersion version = ProtocolVersion.V0, uint requestId = 0) => Get(Utf8(key), version, requestId);

    /// <summary>A SET of <paramref name="key"/> to <paramref name="value"/>.</summary>
    public static Command Set(byte[] key, byte[] value, ProtocolVersion version = ProtocolVersion.V0, uint requestId = 0) => new(CommandKind.Set, key, value, version, requestId);

    /// <summary>A SET of the UTF-8 bytes of <paramref name="key"/> to those of <paramref name="value"/>.</summary>
    public static Command Set(string key, string value, ProtocolVersion version = ProtocolVersion.V0, uint requestId = 0) => Set(Utf8(key), Utf8(value), version, requestId);

    /// <summary>A CLEAR of <paramref name="key"/>.</summary>
    public static Command Clear(byte[] key, ProtocolVersion version = ProtocolVersion.V0, uint requestId = 0) => new(CommandKind.Clear, key, [], version, requestId);

    /// <summary>A CLEAR of the UTF-8 bytes of <paramref name="key"/>.</summary>
    public static Command Clear(string key, ProtocolVersion version = ProtocolVersion.V0, uint requestId = 0) => Clear(Utf8(key), version, requestId);

    /// <summary>A PING carrying <paramref name="message"/> (empty asks for <c>PONG</c>).</summary>
    public static Command Ping(byte[] message, ProtocolVersion version = ProtocolVersion.V0, uint requestId = 0) => new(CommandKind.Ping, [], message, version, requestId);

    /// <summary>A PING carrying the UTF-8 bytes of <paramref name="message"/>.</summary>
    public static Command Ping(string message = "", ProtocolVersion version = ProtocolVersion.V0, uint requestId = 0) => Ping(Utf8(message), version, requestId);

    /// <summary>A SETX (version 1) of <paramref name="key"/> to <paramref name="value"/> with <paramref name="flags"/> and <paramref name="time"/>.</summary>
    public static Command SetX(byte[] key, byte[] value, SetFlags flags = SetFlags.None, long time = 0, uint requestId = 0) =>
        new(CommandKind.SetX, key, value, (ushort)flags, time, ProtocolVersion.V1, requestId);

    /// <summary>A SETX (version 1) of the UTF-8 bytes of <paramref name="key"/> to those of <paramref name="value"/>.</summary>
    public static Command SetX(string key, string value, SetFlags flags = SetFlags.None, long time = 0, uint requestId = 0) =>
        SetX(Utf8(key), Utf8(value), flags, time, requestId);

    /// <summary>An EXPIRE (version 1) of <paramref name="key"/>: <paramref name="flags"/> say whether <paramref name="time"/> is relative or absolute, and the condition.</summary>
    public static Command Expire(byte[] key, ExpireFlags flags, long time, uint requestId = 0) =>
        new(CommandKind.Expire, key, [], (ushort)flags, time, ProtocolVersion.V1, requestId);

    /// <summary>An EXPIRE (version 1) of the UTF-8 bytes of <paramref name="key"/>.</summary>
    public static Command Expire(string key, ExpireFlags flags, long time, uint requestId = 0) => Expire(Utf8(key), flags, time, requestId);

    /// <summary>A PERSIST (version 1) of <paramref name="key"/>.</summary>
    public static Command Persist(byte[] key, uint requestId = 0) => new(CommandKind.Persist, key, [], 0, 0, ProtocolVersion.V1, requestId);

    /// <summary>A PERSIST (version 1) of the UTF-8 bytes of <paramref name="key"/>.</summary>
    public static Command Persist(string key, uint requestId = 0) => Persist(Utf8(key), requestId);

    /// <summary>A TTL (version 1) of <paramref name="key"/>.</summary>
    public static Command Ttl(byte[] key, uint requestId = 0) => new(CommandKind.Ttl, key, [], 0, 0, ProtocolVersion.V1, requestId);

    /// <summary>A TTL (version 1) of the UTF-8 bytes of <paramref name="key"/>.</summary>
    public static Command Ttl(string key, uint requestId = 0) => Ttl(Utf8(key), requestId);

    /// <summary>A GETEX (version 1) of <paramref name="key"/> with <paramref name="flags"/> and <paramref name="time"/> (none: a plain read).</summary>
    public static Command GetEx(byte[] key, GetExFlags flags = GetExFlags.None, long time = 0, uint requestId = 0) =>
        new(CommandKind.GetEx, key, [], (ushort)flags, time, ProtocolVersion.V1, requestId);

    /// <summary>A GETEX (version 1) of the UTF-8 bytes of <paramref name="key"/>.</summary>
    public static Command GetEx(string key, GetExFlags flags = GetExFlags.None, long time = 0, uint requestId = 0) => GetEx(Utf8(key), flags, time, requestId);

    /// <summary>A GETDEL (version 1) of <paramref name="key"/>.</summary>
    public static Command GetDel(byte[] key, uint requestId = 0) => new(CommandKind.GetDel, key, [], 0, 0, ProtocolVersion.V1, requestId);

    /// <summary>A GETDEL (version 1) of the UTF-8 bytes of <paramref name="key"/>.</summary>
    public static Command GetDel(string key, uint requestId = 0) => GetDel(Utf8(key), requestId);

    /// <summary>
    /// An AUTH (version 1) as <paramref name="user"/> with <paramref name="password"/>: the user travels in the key's
    /// place and the password in the value's. <see cref="ToString"/> never shows the password, nor its length.
    /// </summary>
    public static Command Auth(byte[] user, byte[] password, uint requestId = 0) => new(CommandKind.Auth, user, password, 0, 0, ProtocolVersion.V1, requestId);

    /// <summary>An AUTH (version 1) with the UTF-8 bytes of <paramref name="user"/> and <paramref name="password"/>.</summary>
    public static Command Auth(string user, string password, uint requestId = 0) => Auth(Utf8(user), Utf8(password), requestId);

    /// <inheritdoc />
    public bool Equals(Command? other) =>
        other is not null && Kind == other.Kind && Version == other.Version && RequestId == other.RequestId
        && Flags == other.Flags && Time == other.Time
        && Key.AsSpan().SequenceEqual(other.Key) && Value.AsSpan().SequenceEqual(other.Value);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Command);

    /// <inheritdoc />
    public override int GetHashCode() => ((((int)Kind * 31 + Key.Length) * 31 + Value.Length + (int)RequestId) * 31 + Flags) * 31 + Time.GetHashCode();

    /// <inheritdoc />
    /// <remarks>Shows the lengths of the key and the value, never their bytes; for AUTH, not even the password's length.</remarks>
    public override string ToString() => CommandTable.Find(Kind) switch
    {
        { Kind: CommandKind.Auth } => $"{Kind} v{(byte)Version} id={RequestId} user[{Key.Length}] password[redacted]",
        { } spec when spec.HasFlags || spec.HasTime => $"{Kind} v{(byte)Version} id={RequestId} key[{Key.Length}] value[{Value.Length}] flags=0x{Flags:x4} time={Time}",
        _ => $"{Kind} v{(byte)Version} id={RequestId} key[{Key.Length}] value[{Value.Length}]",
    };

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text ?? throw new ArgumentNullException(nameof(text)));
}
