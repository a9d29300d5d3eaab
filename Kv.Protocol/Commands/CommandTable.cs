using System.Collections.Generic;

namespace Kv.Protocol;

/// <summary>
/// Every command of the protocol, declared once. A new command is a <see cref="CommandKind"/> number and a line here;
/// the parser and the encoder take its arguments from here, and docs/protocol.md's command table is checked against it.
/// </summary>
public static class CommandTable
{
    private static readonly CommandSpec?[] ByNumber;

    static CommandTable()
    {
        All = [Get, Set, Clear, Ping, SetX, Expire, Persist, Ttl, GetEx, GetDel, Auth];
        var highest = 0;
        foreach (var spec in All)
        {
            highest = System.Math.Max(highest, (ushort)spec.Kind);
        }

        ByNumber = new CommandSpec?[highest + 1];
        foreach (var spec in All)
        {
            ByNumber[(ushort)spec.Kind] = spec;
        }
    }

    /// <summary>GET key: the value stored at a key.</summary>
    public static CommandSpec Get { get; } = new(CommandKind.Get, "GET", [ArgumentRole.Key], isWrite: false, ProtocolVersion.V0);

    /// <summary>SET key value: store a value at a key, replacing any other.</summary>
    public static CommandSpec Set { get; } = new(CommandKind.Set, "SET", [ArgumentRole.Key, ArgumentRole.Value], isWrite: true, ProtocolVersion.V0);

    /// <summary>CLEAR key: remove a key, answering its value.</summary>
    public static CommandSpec Clear { get; } = new(CommandKind.Clear, "CLEAR", [ArgumentRole.Key], isWrite: true, ProtocolVersion.V0);

    /// <summary>PING message: answer the message, or <c>PONG</c> for an empty one.</summary>
    public static CommandSpec Ping { get; } = new(CommandKind.Ping, "PING", [ArgumentRole.Message], isWrite: false, ProtocolVersion.V0);

    /// <summary>SETX key value flags time (version 1): a conditional SET with an expiry; see <see cref="SetFlags"/>.</summary>
    public static CommandSpec SetX { get; } = new(CommandKind.SetX, "SETX", [ArgumentRole.Key, ArgumentRole.Value, ArgumentRole.Flags, ArgumentRole.Time], isWrite: true, ProtocolVersion.V1);

    /// <summary>EXPIRE key flags time (version 1): set a key's expiry under a condition; see <see cref="ExpireFlags"/>.</summary>
    public static CommandSpec Expire { get; } = new(CommandKind.Expire, "EXPIRE", [ArgumentRole.Key, ArgumentRole.Flags, ArgumentRole.Time], isWrite: true, ProtocolVersion.V1);

    /// <summary>PERSIST key (version 1): remove a key's expiry.</summary>
    public static CommandSpec Persist { get; } = new(CommandKind.Persist, "PERSIST", [ArgumentRole.Key], isWrite: true, ProtocolVersion.V1);

    /// <summary>TTL key (version 1): the milliseconds a key has left.</summary>
    public static CommandSpec Ttl { get; } = new(CommandKind.Ttl, "TTL", [ArgumentRole.Key], isWrite: false, ProtocolVersion.V1);

    /// <summary>GETEX key flags time (version 1): read a key and set or remove its expiry; see <see cref="GetExFlags"/>.</summary>
    public static CommandSpec GetEx { get; } = new(CommandKind.GetEx, "GETEX", [ArgumentRole.Key, ArgumentRole.Flags, ArgumentRole.Time], isWrite: true, ProtocolVersion.V1);

    /// <summary>GETDEL key (version 1): remove a key, answering its value.</summary>
    public static CommandSpec GetDel { get; } = new(CommandKind.GetDel, "GETDEL", [ArgumentRole.Key], isWrite: true, ProtocolVersion.V1);

    /// <summary>AUTH user password (version 1): authenticate the connection; it changes nothing in the store.</summary>
    public static CommandSpec Auth { get; } = new(CommandKind.Auth, "AUTH", [ArgumentRole.User, ArgumentRole.Password], isWrite: false, ProtocolVersion.V1);

    /// <summary>Every command, in number order.</summary>
    public static IReadOnlyList<CommandSpec> All { get; }

    /// <summary>The command with this number, or null when there is none.</summary>
    public static CommandSpec? Find(CommandKind kind) => (ushort)kind < ByNumber.Length ? ByNumber[(ushort)kind] : null;

    /// <summary>The command with this number in this protocol version, or null when that version has none.</summary>
    public static CommandSpec? Find(CommandKind kind, ProtocolVersion version) =>
        Find(kind) is { } spec && (byte)spec.Since <= (byte)version ? spec : null;
}
