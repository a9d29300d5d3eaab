using Kv.Protocol;
using Kv.Storage;

namespace Kv.Server.Commands;

/// <summary>
/// SETX key value flags time (version 1): Redis's <c>SET key value [NX|XX] [GET] [PX ms|PXAT time|KEEPTTL]</c>. Answers OK
/// with one byte of <see cref="SetReplyFlags"/> (applied, existed), followed by the previous value when GET was asked and
/// the key existed; a write whose condition did not hold is still OK, with the applied bit clear. Invalid options:
/// ERROR InvalidArgument. No memory for the write: ERROR OutOfMemory, nothing changed; a full disk: ERROR WriteRefused.
/// </summary>
internal static class SetXCommand
{
    public static ServerCommand Definition { get; } = new(CommandTable.SetX, Execute);

    private static void Execute(scoped in CommandView command, CommandContext context)
    {
        if (CommandOptions.Validate(command.Kind, command.Flags, command.Time) is { } invalid)
        {
            context.WriteError(ProtocolErrorCode.InvalidArgument, invalid);
            return;
        }

        var flags = (SetFlags)command.Flags;
        var returnPrevious = (flags & SetFlags.ReturnPrevious) != 0;

        // Room for the answer before anything changes, as SET takes: with GET, room for a previous value as long as the
        // new one too, the usual overwrite. A longer previous value takes its room while the write runs, and in the rare
        // case that there is none then, the write stands and the answer is ERROR OutOfMemory (CommitStagedSetReply).
        context.ReserveOk(ReplyFormat.SetReplyHeaderSize + (returnPrevious ? command.Value.Length : 0));
        SetResult result;
        try
        {
            result = context.Store.Set(command.Key, command.Value, ConditionOf(flags), ExpiryOf(flags, command.Time),
                returnPrevious ? CommandContext.StagePreviousAsSetReply : null, context);
        }
        catch (StoreOutOfMemoryException e)
        {
            // The system refused memory below the limit (rare: no exception on the usual path).
            context.DiscardStaged();
            context.WriteError(ProtocolErrorCode.OutOfMemory, e.Message);
            return;
        }
        catch (StoreWriteRefusedException e)
        {
            context.DiscardStaged();
            context.WriteError(ProtocolErrorCode.WriteRefused, e.Message);
            return;
        }

        if (result.Status == SetStatus.OutOfMemory)
        {
            context.DiscardStaged();
            context.WriteError(ProtocolErrorCode.OutOfMemory, SetCommand.OutOfMemoryMessage);
            return;
        }

        var reply = (result.Status == SetStatus.Applied ? SetReplyFlags.Applied : SetReplyFlags.None)
            | (result.Existed ? SetReplyFlags.Existed : SetReplyFlags.None);
        if (context.HasStaged)
        {
            context.CommitStagedSetReply(reply);
        }
        else
        {
            context.WriteSetReply(reply);
        }
    }

    private static SetCondition ConditionOf(SetFlags flags) =>
        (flags & SetFlags.IfMissing) != 0 ? SetCondition.IfMissing
        : (flags & SetFlags.IfExists) != 0 ? SetCondition.IfExists
        : SetCondition.Always;

    // Validated: at most one of PX, PXAT and KEEPTTL, and a time above 0 with PX or PXAT.
    private static KeyExpiry ExpiryOf(SetFlags flags, long time) =>
        (flags & SetFlags.RelativeExpiry) != 0 ? KeyExpiry.After(time)
        : (flags & SetFlags.AbsoluteExpiry) != 0 ? KeyExpiry.At(time)
        : (flags & SetFlags.KeepTtl) != 0 ? KeyExpiry.Keep
        : KeyExpiry.Never;
}
