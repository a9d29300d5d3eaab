using Kv.Protocol;

namespace Kv.Server.Commands;

/// <summary>PING message: answers the message, or <c>PONG</c> when it is empty. Both versions.</summary>
internal static class PingCommand
{
    public static ServerCommand Definition { get; } = new(CommandTable.Ping, Execute);

    public static ReadOnlySpan<byte> Pong => "PONG"u8;

    private static void Execute(scoped in CommandView command, CommandContext context) =>
        context.WriteOk(command.Value.IsEmpty ? Pong : command.Value);
}
