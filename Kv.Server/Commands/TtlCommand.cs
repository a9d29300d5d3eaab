using Kv.Protocol;
using Kv.Storage;

namespace Kv.Server.Commands;

/// <summary>
/// TTL key (version 1): Redis's <c>PTTL</c>. Answers OK with an i64: the milliseconds the key has left (0 or more), or -1
/// when it has no expiry; NOT_FOUND for a missing key. Three answers, so that none is taken for another.
/// </summary>
internal static class TtlCommand
{
    public static ServerCommand Definition { get; } = new(CommandTable.Ttl, Execute);

    private static void Execute(scoped in CommandView command, CommandContext context)
    {
        var left = context.Store.TimeToLive(command.Key);
        if (left == MemoryStore.TtlKeyMissing)
        {
            context.WriteNotFound();
            return;
        }

        // The store's "no expiry" and the protocol's are both -1; said twice so that neither depends on the other.
        context.WriteTimeToLive(left == MemoryStore.TtlNoExpiry ? ReplyFormat.NoExpiry : left);
    }
}
