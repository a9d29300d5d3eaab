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

    private static ExpireStatus Apply(MemoryStore store, ReadOnlySpan<byte> key, ExpireFlags flags, KeyExpiry expiry)
    {
        // XX with LT: only a key that has an expiry, and only sooner. The store's conditions take one at a time, and LT
        // alone also applies to a key without an expiry (none counts as never), so XX is checked first. Not atomic: a
        // PERSIST from another connection between the two steps would get an expiry set here. (XX with GT needs no
        // such step: GT never applies to a key without an expiry.)
        if ((flags & (ExpireFlags.IfHasExpiry | ExpireFlags.IfSooner)) == (ExpireFlags.IfHasExpiry | ExpireFlags.IfSooner))
        {
            var left = store.TimeToLive(key);
            if (left == MemoryStore.TtlKeyMissing)
            {
                return ExpireStatus.KeyMissing;
            }

            if (left == MemoryStore.TtlNoExpiry)
            {
                return ExpireStatus.NotApplied;
            }
        }

        return store.Expire(key, expiry, ConditionOf(flags));
    }

    // Validated: exactly one kind of time; NX alone; not both GT and LT.
    private static ExpireCondition ConditionOf(ExpireFlags flags) =>
        (flags & ExpireFlags.IfNoExpiry) != 0 ? ExpireCondition.IfNone
        : (flags & ExpireFlags.IfLater) != 0 ? ExpireCondition.IfLater
        : (flags & ExpireFlags.IfSooner) != 0 ? ExpireCondition.IfSooner
        : (flags & ExpireFlags.IfHasExpiry) != 0 ? ExpireCondition.IfAny
        : ExpireCondition.Always;

    // An absolute time at or below 0 is as past as any other, and the store subtracts the wall clock from it: one far
    // below zero would wrap around into the far future, so every such time is taken as 1 ms past the epoch.
    private static KeyExpiry ExpiryOf(ExpireFlags flags, long time) =>
        (flags & ExpireFlags.RelativeExpiry) != 0 ? KeyExpiry.After(time) : KeyExpiry.At(Math.Max(time, 1));
}
