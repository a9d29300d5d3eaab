using Kv.Protocol;
using Kv.Storage;

namespace Kv.Server.Commands;

/// <summary>
/// GETDEL key (version 1): Redis's <c>GETDEL</c>, which is what version 1's CLEAR already does: removes the key and answers
/// OK with its value, or NOT_FOUND. A full disk: ERROR WriteRefused.
/// </summary>
internal static class GetDelCommand
{
    public static ServerCommand Definition { get; } = new(CommandTable.GetDel, Execute);

    private static void Execute(scoped in CommandView command, CommandContext context)
    {
        try
        {
            // As CLEAR: the value is written before the store lets go of it, and a reader that throws (no room for the
            // answer) leaves the key in place.
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

        context.WriteNotFound();
    }
}
