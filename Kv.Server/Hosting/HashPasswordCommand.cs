using System.CommandLine;
using Kv.CommandLine;
using Kv.Server.Security;

namespace Kv.Server.Hosting;

/// <summary>
/// <c>kv-server hash-password --user NAME --permission P</c>: reads a password (one line) from standard input and prints
/// the users-file line for it, <c>NAME P pbkdf2-sha256$600000$SALT$HASH</c>, for <c>--users</c>.
/// </summary>
internal static class HashPasswordCommand
{
    /// <summary>The command's name, the first argument of <c>kv-server</c>.</summary>
    public const string Name = "hash-password";

    public static Command Create()
    {
        var user = new Option<string>("--user") { Description = "The user's name (no spaces).", Required = true };
        var permission = new Option<string>("--permission")
        {
            Description = "What the user may run: read (GET, TTL, PING), readwrite (every data command) or admin (everything).",
            Required = true,
        };
        permission.AcceptOnlyFromAmong([.. Permissions.Names]);

        var command = ToolCommand.Create(Name, "kv-server hash-password: read a password from the first line of standard input (a pipe or a file; typed at a terminal it is echoed) and print a users-file line for kv-server --users: NAME PERMISSION HASH (PBKDF2-HMAC-SHA256, 600,000 iterations).");
        command.Options.Add(user);
        command.Options.Add(permission);
        command.SetAction(result => Run(result.GetValue(user)!, result.GetValue(permission)!, Console.In, Console.Out, Console.Error));
        return command;
    }

    /// <summary>Reads the password from <paramref name="input"/> and writes the line to <paramref name="output"/>.</summary>
    /// <returns>An exit code (<see cref="ExitCodes"/>).</returns>
    public static int Run(string user, string permission, TextReader input, TextWriter output, TextWriter error)
    {
        if (user.Length == 0 || user.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) || user[0] == '#')
        {
            error.WriteLine("kv-server hash-password: --user must be a name without spaces or control characters, not starting with '#'.");
            return ExitCodes.Error;
        }

        if (!Permissions.TryParse(permission, out _))
        {
            error.WriteLine("kv-server hash-password: --permission must be read, readwrite or admin.");
            return ExitCodes.Error;
        }

        var password = input.ReadLine();
        if (string.IsNullOrEmpty(password))
        {
            error.WriteLine("kv-server hash-password: no password on standard input (one line, not empty).");
            return ExitCodes.Error;
        }

        output.WriteLine($"{user} {permission} {PasswordHash.Create(password)}");
        return ExitCodes.Success;
    }
}
