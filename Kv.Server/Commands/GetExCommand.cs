using Kv.Protocol;
using Kv.Storage;

namespace Kv.Server.Commands;

/// <summary>
/// GETEX key flags time (version 1): Redis's <c>GETEX key [PX ms|PXAT time|PERSIST]</c>. Answers OK with the value and
/// sets the new expiry (a time already past removes the key after the read), removes it (PERSIST), or leaves it (no
/// option); NOT_FOUND for a missing key. Invalid options: ERROR InvalidArgument. No memory for the change: ERROR
/// OutOfMemory, nothing read or changed; a full disk: ERROR WriteRefused.
/// </summary>
internal static class GetExCommand
{
    public static ServerCommand Definition { get; } = new(CommandTable.GetEx, Execute);

    private static void Execute(scoped in CommandView command, CommandContext context)
    {
        if (CommandOptions.Validate(command.Kind, command.Flags, command.Time) is { } invalid)
        {
            context.WriteError(ProtocolErrorCode.InvalidArgument, invalid);
            return;
        }

        ExpireStatus status;
        try
        {
            // The value is staged, not written: the store hands it over under its lock while it changes the expiry, and
            // only its return says whether the change stood.
            status = context.Store.TryReadAndExpire(command.Key, ExpiryOf((GetExFlags)command.Flags, command.Time), CommandContext.StageValueAsOk, context);
        }
        catch (StoreWriteRefusedException e)
        {
            context.DiscardStaged();
            context.WriteError(ProtocolErrorCode.WriteRefused, e.Message);
            return;
        }

        switch (status)
        {
            case ExpireStatus.KeyMissing:
                context.DiscardStaged();
                context.WriteNotFound();
                break;
            case ExpireStatus.OutOfMemory:
                context.DiscardStaged();
                context.WriteError(ProtocolErrorCode.OutOfMemory, SetCommand.OutOfMemoryMessage);
                break;
            default:
                // Applied (the only other answer with no condition): the value was staged on the way.
                context.CommitStaged();
                break;
        }
    }

    // Validated: at most one option, and a time above 0 with PX or PXAT.
    private static KeyExpiry ExpiryOf(GetExFlags flags, long time) =>
        (flags & GetExFlags.RelativeExpiry) != 0 ? KeyExpiry.After(time)
        : (flags & GetExFlags.AbsoluteExpiry) != 0 ? KeyExpiry.At(time)
        : (flags & GetExFlags.Persist) != 0 ? KeyExpiry.Never
        : KeyExpiry.Keep;
}
