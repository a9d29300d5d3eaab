using Kv.Protocol;

namespace Kv.Server.Commands;

/// <summary>
/// SET key value: stores the value, replacing any other. Version 0 answers OK with the key (as the reference does);
/// version 1 answers OK with an empty body. With persistence on, the write is appended to the log under the key's
/// stripe lock, so the log has the writes to a key in the order the store applied them.
/// </summary>
internal static class SetCommand
{
    public static void Execute(scoped in CommandView command, CommandContext context)
    {
        if (context.Log is { } log)
        {
            context.Store.Set(command.Key, command.Value, log);
        }
        else
        {
            context.Store.Set(command.Key, command.Value);
        }

        context.WriteOk(command.Version == ProtocolVersion.V0 ? command.Key : default);
    }
}
