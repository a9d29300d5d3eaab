using Kv.Protocol;

namespace Kv.Server.Commands;

/// <summary>
/// CLEAR key: removes the key and answers its value. For a missing key, version 0 answers OK with an empty string
/// (as the reference does) and version 1 answers NOT_FOUND. With persistence on, a removal is appended to the log
/// under the key's stripe lock; a CLEAR of a missing key changes nothing and is not logged.
/// </summary>
internal static class ClearCommand
{
    public static ServerCommand Definition { get; } = new(CommandTable.Clear, Execute);

    private static void Execute(scoped in CommandView command, CommandContext context)
    {
        var removed = context.Log is { } log
            ? context.Store.Remove(command.Key, CommandContext.WriteValueAsOk, context, log)
            : context.Store.Remove(command.Key, CommandContext.WriteValueAsOk, context);
        if (removed)
        {
            return;
        }

        if (command.Version == ProtocolVersion.V0)
        {
            context.WriteOk(default);
        }
        else
        {
            context.WriteNotFound();
        }
    }
}
