using Kv.Protocol;

namespace Kv.Server.Commands;

/// <summary>
/// GET key. Version 0: OK with the value, or ERROR <c>Key not found</c> (the reference's exact text).
/// Version 1: OK with the value, or NOT_FOUND.
/// </summary>
internal static class GetCommand
{
    public static ServerCommand Definition { get; } = new(CommandTable.Get, Execute);

    public static ReadOnlySpan<byte> KeyNotFoundMessage => "Key not found"u8;

    private static void Execute(scoped in CommandView command, CommandContext context)
    {
        if (context.Store.TryRead(command.Key, CommandContext.WriteValueAsOk, context))
        {
            return;
        }

        if (command.Version == ProtocolVersion.V0)
        {
            context.WriteError(ProtocolErrorCode.None, KeyNotFoundMessage);
        }
        else
        {
            context.WriteNotFound();
        }
    }
}
