using Kv.Protocol;

namespace Kv.Server.Commands;

/// <summary>
/// AUTH user password (version 1). A server without authentication answers OK to any AUTH: every connection already has
/// every permission there, so a client that always authenticates works against it unchanged.
/// </summary>
internal static class AuthCommand
{
    public static ServerCommand Definition { get; } = new(CommandTable.Auth, Execute);

    private static void Execute(scoped in CommandView command, CommandContext context) => context.WriteOk(default);
}
