using Kv.Protocol;
using Kv.Storage;

namespace Kv.Server.Commands;

/// <summary>
/// SET key value: stores the value, replacing any other. Version 0 answers OK with the key (as the reference does);
/// version 1 answers OK with an empty body. When the store has no memory for the write, nothing changes and the answer
/// is ERROR OutOfMemory (in version 0, an ERROR with the same message); while the store refuses writes (a full disk), the
/// answer is ERROR WriteRefused. The connection stays open.
/// </summary>
internal static class SetCommand
{
    public static ServerCommand Definition { get; } = new(CommandTable.Set, Execute);

    /// <summary>The answer to a write refused at the store's memory limit: fixed, so that refusing allocates nothing.</summary>
    internal static ReadOnlySpan<byte> OutOfMemoryMessage =>
        "out of memory: the store is at its memory limit (--max-memory) and this write needs more; reads, CLEAR and writes that need no more memory go on"u8;

    private static void Execute(scoped in CommandView command, CommandContext context)
    {
        var answer = command.Version == ProtocolVersion.V0 ? command.Key : default;
        context.ReserveOk(answer.Length);
        try
        {
            if (!context.Store.TrySet(command.Key, command.Value, out _))
            {
                // The store is at its limit: refused without an exception or an allocation, since every write that
                // needs more memory is, for as long as it stays there.
                context.WriteError(ProtocolErrorCode.OutOfMemory, OutOfMemoryMessage);
                return;
            }
        }
        catch (StoreOutOfMemoryException e)
        {
            // The system refused memory below the limit (rare: no exception on the usual path).
            context.WriteError(ProtocolErrorCode.OutOfMemory, e.Message);
            return;
        }
        catch (StoreWriteRefusedException e)
        {
            context.WriteError(ProtocolErrorCode.WriteRefused, e.Message);
            return;
        }

        context.WriteOk(answer);
    }
}
