using Kv.Protocol;

namespace Kv.Server.Commands;

/// <summary>
/// AUTH user password (version 1), on a server without authentication: answered OK, whatever it carries, since every
/// connection has every permission there, so a client that always authenticates works against it unchanged. With
/// users (<c>--users</c>, <c>--password</c>) AUTH never gets here: the connection's <see cref="Networking.FrameProcessor"/>
/// checks it off its thread and keeps the connection's permission.
/// </summary>
internal static class AuthCommand
{
    public static ServerCommand Definition { get; } = new(CommandTable.Auth, Execute);

    private static void Execute(scoped in CommandView command, CommandContext context) => context.WriteOk(default);
}
