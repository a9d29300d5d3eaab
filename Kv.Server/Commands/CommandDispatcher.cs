using Kv.Protocol;

namespace Kv.Server.Commands;

/// <summary>Runs one parsed command: finds its <see cref="ServerCommand"/> by number and hands it the request.</summary>
internal static class CommandDispatcher
{
    private static readonly CommandHandler[] Handlers = Index(Commands);
    private static readonly bool[] Writes = [.. Enumerable.Range(0, Handlers.Length).Select(kind => CommandTable.Find((CommandKind)kind)?.IsWrite ?? false)];

    /// <summary>Every command the server runs, each declared in its own file.</summary>
    public static IReadOnlyList<ServerCommand> Commands =>
        [
            GetCommand.Definition, SetCommand.Definition, ClearCommand.Definition, PingCommand.Definition,
            SetXCommand.Definition, ExpireCommand.Definition, PersistCommand.Definition, TtlCommand.Definition, GetExCommand.Definition, GetDelCommand.Definition,
            AuthCommand.Definition,
        ];

    public static void Execute(scoped in CommandView command, CommandContext context)
    {
        context.Begin(command.Version, command.RequestId);

        // The parser completes only commands of the protocol's table, and every one of those has a handler (checked below).
        Handlers[(ushort)command.Kind](command, context);
    }

    /// <summary>True when the command can change the store.</summary>
    public static bool IsWrite(CommandKind kind) => Writes[(ushort)kind];

    private static CommandHandler[] Index(IReadOnlyList<ServerCommand> commands)
    {
        var handlers = new CommandHandler[CommandTable.All.Max(spec => (ushort)spec.Kind) + 1];
        foreach (var command in commands)
        {
            handlers[(ushort)command.Spec.Kind] = command.Execute;
        }

        var missing = CommandTable.All.Where(spec => handlers[(ushort)spec.Kind] is null).Select(spec => spec.Name).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"The protocol declares commands the server does not run: {string.Join(", ", missing)}.");
        }

        return handlers;
    }
}
