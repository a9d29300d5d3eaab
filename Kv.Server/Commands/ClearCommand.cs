using Kv.Protocol;
using Kv.Storage;

namespace Kv.Server.Commands;

/// <summary>
/// CLEAR key: removes the key and answers its value. For a missing key, version 0 answers OK with an empty string
/// (as the reference does) and version 1 answers NOT_FOUND. A CLEAR of a missing key changes nothing (and so is not
/// logged). While the store refuses writes (a full disk), the answer is ERROR WriteRefused.
/// </summary>
internal static class ClearCommand
{
    public static ServerCommand Definition { get; } = new(CommandTable.Clear, Execute);

    internal static void Execute(scoped in CommandView command, CommandContext context)
    {
        try
        {
            if (context.Store.Remove(command.Key, CommandContext.WriteValueAsOk, context))
            {
                return;
            }
        }
        catch (StoreWriteRefusedException e)
        {
            context.WriteError(ProtocolErrorCode.WriteRefused, e.Message);
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
