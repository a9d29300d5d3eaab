using Kv.Protocol;

namespace Kv.Server.Commands;

/// <summary>Runs one parsed command and writes its response.</summary>
internal static class CommandDispatcher
{
    public static void Execute(scoped in CommandView command, CommandContext context)
    {
        context.Begin(command.Version, command.RequestId);
        switch (command.Kind)
        {
            case CommandKind.Get:
                GetCommand.Execute(command, context);
                break;
            case CommandKind.Set:
                SetCommand.Execute(command, context);
                break;
            case CommandKind.Clear:
                ClearCommand.Execute(command, context);
                break;
            case CommandKind.Ping:
                PingCommand.Execute(command, context);
                break;
            default:
                // The parser only completes known commands; this keeps the switch total.
                context.WriteError(ProtocolErrorCode.UnknownCommand, "unknown command"u8);
                break;
        }
    }
}
