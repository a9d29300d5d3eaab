using Kv.Protocol;

namespace Kv.Server.Commands;

/// <summary>
/// SET key value: stores the value, replacing any other. Version 0 answers OK with the key (as the reference does);
/// version 1 answers OK with an empty body.
/// </summary>
internal static class SetCommand
{
    public static void Execute(scoped in CommandView command, CommandContext context)
    {
        context.Store.Set(command.Key, command.Value);
        context.WriteOk(command.Version == ProtocolVersion.V0 ? command.Key : default);
    }
}
