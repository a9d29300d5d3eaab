using Kv.Protocol;

namespace Kv.Server.Commands;

/// <summary>Runs one parsed command and writes its response.</summary>
internal delegate void CommandHandler(scoped in CommandView command, CommandContext context);

/// <summary>
/// A command as the server runs it: its wire declaration (<see cref="CommandTable"/>) and how it executes and answers.
/// Each command's file declares one; <see cref="CommandDispatcher"/> lists them.
/// </summary>
internal sealed record ServerCommand(CommandSpec Spec, CommandHandler Execute);
