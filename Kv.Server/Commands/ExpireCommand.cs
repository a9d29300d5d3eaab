using Kv.Protocol;
using Kv.Storage;

namespace Kv.Server.Commands;

/// <summary>
/// EXPIRE key flags time (version 1): Redis 7's <c>PEXPIRE</c>/<c>PEXPIREAT key time [NX|XX|GT|LT]</c>. Answers OK with one
/// byte, 1 when the expiry was set (a time at or before now removes the key) and 0 when the condition did not hold;
/// NOT_FOUND for a missing key. Invalid options: ERROR InvalidArgument. No memory for the change (a record that gains its
/// expiry field grows): ERROR OutOfMemory, nothing changed; a full disk: ERROR WriteRefused.
/// </summary>
internal static class ExpireCommand
{
    public static ServerCommand Definition { get; } = new(CommandTable.Expire, Execute);

    private static void Execute(scoped in CommandView command, CommandContext context)
    {
        if (CommandOptions.Validate(command.Kind, command.Flags, command.Time) is { } invalid)
        {
            context.WriteError(ProtocolErrorCode.InvalidArgument, invalid);
            return;
        }

        var flags = (ExpireFlags)command.Flags;
        context.ReserveOk(ReplyFormat.AppliedSize);
        ExpireStatus status;
        try
        {
            status = Apply(context.Store, command.Key, flags, ExpiryOf(flags, command.Time));
        }
        catch (StoreWriteRefusedException e)
        {
            context.WriteError(ProtocolErrorCode.WriteRefused, e.Message);
            return;
        }

        Answer(context, status);
    }

    /// <summary>The answer to an expiry change, shared with PERSIST.</summary>
    internal static void Answer(CommandContext context, ExpireStatus status)
    {
        switch (status)
        {
            case ExpireStatus.KeyMissing:
                context.WriteNotFound();
                break;
            case ExpireStatus.OutOfMemory:
                context.WriteError(ProtocolErrorCode.OutOfMemory, SetCommand.OutOfMemoryMessage);
                break;
            default:
                context.WriteApplied(status == ExpireStatus.Applied);
                break;
        }
    }

    private static ExpireStatus Apply(MemoryStore store, ReadOnlySpan<byte> key, ExpireFlags flags, KeyExpiry expiry) =>
        store.Expire(key, expiry, ConditionOf(flags));

    // Validated: exactly one kind of time; NX alone; not both GT and LT. XX with GT is GT (GT never applies to a key
    // without an expiry); XX with LT needs both, in one step under the key's lock.
    private static ExpireCondition ConditionOf(ExpireFlags flags) =>
        (flags & (ExpireFlags.IfHasExpiry | ExpireFlags.IfSooner)) == (ExpireFlags.IfHasExpiry | ExpireFlags.IfSooner) ? ExpireCondition.IfAnyAndSooner
        : (flags & ExpireFlags.IfNoExpiry) != 0 ? ExpireCondition.IfNone
        : (flags & ExpireFlags.IfLater) != 0 ? ExpireCondition.IfLater
        : (flags & ExpireFlags.IfSooner) != 0 ? ExpireCondition.IfSooner
        : (flags & ExpireFlags.IfHasExpiry) != 0 ? ExpireCondition.IfAny
        : ExpireCondition.Always;

    private static KeyExpiry ExpiryOf(ExpireFlags flags, long time) =>
        (flags & ExpireFlags.RelativeExpiry) != 0 ? KeyExpiry.After(time) : KeyExpiry.At(time);
}
