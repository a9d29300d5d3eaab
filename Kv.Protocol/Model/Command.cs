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
    {
        Kind = kind;
        Key = key ?? throw new ArgumentNullException(nameof(key));
        Value = value ?? throw new ArgumentNullException(nameof(value));
        Version = version;
        RequestId = requestId;
    }

    /// <summary>Which command this is.</summary>
    public CommandKind Kind { get; }

    /// <summary>The key of GET, SET and CLEAR; empty for PING.</summary>
    public byte[] Key { get; }

    /// <summary>The value of SET, or the message of PING; empty for GET and CLEAR.</summary>
    public byte[] Value { get; }

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

    /// <inheritdoc />
    public bool Equals(Command? other) =>
        other is not null && Kind == other.Kind && Version == other.Version && RequestId == other.RequestId
        && Key.AsSpan().SequenceEqual(other.Key) && Value.AsSpan().SequenceEqual(other.Value);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Command);

    /// <inheritdoc />
    public override int GetHashCode() => ((int)Kind * 31 + Key.Length) * 31 + Value.Length + (int)RequestId;

    /// <inheritdoc />
    public override string ToString() => $"{Kind} v{(byte)Version} id={RequestId} key[{Key.Length}] value[{Value.Length}]";

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text ?? throw new ArgumentNullException(nameof(text)));
}
