using Kv.Protocol;

namespace Kv.Server.Security;

/// <summary>What a user of the server may run (<c>--users</c>).</summary>
public enum Permission
{
    /// <summary>GET, TTL, PING and AUTH: reads that change nothing.</summary>
    Read,

    /// <summary>Every data command: reads and writes.</summary>
    ReadWrite,

    /// <summary>Everything, including administrative commands (none yet; whatever later versions add).</summary>
    Admin,
}

/// <summary>
/// Each permission as a bit mask over command numbers (bit n: <see cref="CommandKind"/> n may run), computed once, so
/// that a connection checks a command with one AND: no lookup by name, no allocation.
/// </summary>
internal static class Permissions
{
    static Permissions()
    {
        foreach (var spec in CommandTable.All)
        {
            if ((ushort)spec.Kind >= 64)
            {
                throw new InvalidOperationException($"Command {spec.Name} ({(ushort)spec.Kind}) does not fit the 64-bit permission masks.");
            }
        }
    }

    /// <summary>Every command of the protocol's table.</summary>
    public static ulong DataCommands { get; } = CommandTable.All.Aggregate(0UL, (mask, spec) => mask | Bit(spec.Kind));

    /// <summary>What a read-only user may run.</summary>
    public static ulong ReadOnly { get; } = Bit(CommandKind.Get) | Bit(CommandKind.Ttl) | Bit(CommandKind.Ping) | Bit(CommandKind.Auth);

    /// <summary>The names the users file and <c>hash-password</c> take, in <see cref="Permission"/> order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["read", "readwrite", "admin"];

    public static ulong Bit(CommandKind kind) => 1UL << (ushort)kind;

    public static ulong MaskOf(Permission permission) => permission switch
    {
        Permission.Read => ReadOnly,
        Permission.ReadWrite => DataCommands,
        _ => ulong.MaxValue,
    };

    public static string Format(Permission permission) => Names[(int)permission];

    public static bool TryParse(string text, out Permission permission)
    {
        var index = Names.ToList().IndexOf(text);
        permission = index < 0 ? default : (Permission)index;
        return index >= 0;
    }
}
