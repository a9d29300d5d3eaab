using System.CommandLine;
using System.CommandLine.Help;

namespace Kv.CommandLine;

/// <summary>
/// A tool's command line, built and run the same way for the three tools: named after the command people type (not the
/// assembly), with <c>--help</c> and <c>--version</c>, and a parse error reported as one line on standard error with exit
/// code <see cref="ExitCodes.Error"/>, instead of the whole help.
/// </summary>
public static class ToolCommand
{
    /// <summary>Creates the tool's root command.</summary>
    /// <param name="name">The command people type: <c>kv-server</c>, <c>kv</c>, <c>kv-bench</c>.</param>
    /// <param name="description">One line on what the tool does.</param>
    public static Command Create(string name, string description)
    {
        var command = new Command(name, description);
        command.Options.Add(new HelpOption());
        command.Options.Add(new VersionOption());
        return command;
    }

    /// <summary>
    /// Parses <paramref name="args"/>; on errors writes each once as <c>name: message</c>, then how to get help, and
    /// returns <see cref="ExitCodes.Error"/>; otherwise runs the command's action and returns its exit code.
    /// </summary>
    public static Task<int> InvokeAsync(Command command, string[] args, TextWriter error, InvocationConfiguration? configuration = null)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(error);
        var result = command.Parse(args);
        if (result.Errors.Count > 0)
        {
            foreach (var message in result.Errors.Select(e => e.Message).Distinct())
            {
                error.WriteLine($"{command.Name}: {message}");
            }

            error.WriteLine($"Run '{command.Name} --help' for the options.");
            return Task.FromResult(ExitCodes.Error);
        }

        return result.InvokeAsync(configuration);
    }
}
