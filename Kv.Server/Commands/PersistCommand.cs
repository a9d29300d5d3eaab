using Kv.Protocol;
using Kv.Storage;

namespace Kv.Server.Commands;

/// <summary>
/// PERSIST key (version 1): removes the key's expiry. Answers OK with one byte, 1 when the expiry was removed and 0 when
/// the key had none; NOT_FOUND for a missing key. No memory for the change: ERROR OutOfMemory; a full disk: ERROR
/// WriteRefused.
/// </summary>
internal static class PersistCommand
{
    public static ServerCommand Definition { get; } = new(CommandTable.Persist, Execute);

    private static void Execute(scoped in CommandView command, CommandContext context)
    {
        context.ReserveOk(ReplyFormat.AppliedSize);
        ExpireStatus status;
        try
        {
            status = context.Store.Persist(command.Key);
        }
        catch (StoreWriteRefusedException e)
        {
            context.WriteError(ProtocolErrorCode.WriteRefused, e.Message);
            return;
        }

        ExpireCommand.Answer(context, status);
    }
}
