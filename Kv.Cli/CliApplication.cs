using System.CommandLine;
using System.Globalization;
using Kv.Client;
using Kv.CommandLine;

namespace Kv.Cli;

/// <summary>
/// The <c>kv</c> command line: <c>set</c>, <c>get</c>, <c>clear</c>, <c>ping</c> and the expiry commands (<c>ttl</c>,
/// <c>expire</c>, <c>persist</c>, <c>getex</c>; <c>CliApplication.Expiry.cs</c>) run one command and exit; with no
/// command, an interactive prompt. <c>--host</c> and <c>--port</c> default to the environment variables
/// <c>KV_HOST</c> and <c>KV_PORT</c> (the server's names), then to 127.0.0.1 and 6555; <c>--user</c> and
/// <c>--password</c> to <c>KV_USER</c> and <c>KV_PASSWORD</c>, then to none (no AUTH); <c>--tls</c> and its options
/// (<c>CliApplication.Tls.cs</c>) to <c>KV_TLS</c> and the like, then to plain TCP.
/// </summary>
public sealed partial class CliApplication
{
    /// <summary>The default host when neither <c>--host</c> nor <c>KV_HOST</c> is given.</summary>
    public const string DefaultHost = "127.0.0.1";

    private readonly TextReader _input;
    private readonly TextWriter _output;
    private readonly TextWriter _error;
    private readonly bool _interactiveInput;
    private readonly Option<string> _host;
    private readonly Option<int> _port;
    private readonly Option<string?> _user;
    private readonly Option<string?> _password;
    private readonly Func<string, string?> _environment;
    private readonly Command _root;

    /// <summary>Creates the command line over the given streams and environment.</summary>
    /// <param name="input">Where the interactive prompt reads lines.</param>
    /// <param name="output">Standard output.</param>
    /// <param name="error">Standard error.</param>
    /// <param name="interactiveInput">True when <paramref name="input"/> is a terminal: the prompt is then shown.</param>
    /// <param name="environment">Reads an environment variable.</param>
    public CliApplication(TextReader input, TextWriter output, TextWriter error, bool interactiveInput, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        _input = input ?? throw new ArgumentNullException(nameof(input));
        _output = output ?? throw new ArgumentNullException(nameof(output));
        _error = error ?? throw new ArgumentNullException(nameof(error));
        _interactiveInput = interactiveInput;

        _host = ToolOptions.Value("--host", "Server host name or address.", HostName, DefaultHost, "KV_HOST", environment);
        _host.Recursive = true;
        _port = ToolOptions.Value("--port", "Server port.", ToolOptions.Port(allowZero: false), KvClientOptions.DefaultPort, "KV_PORT", environment, "-p");
        _port.Recursive = true;

        // Read from the environment here rather than by the options themselves, whose help would show the value.
        _environment = environment;
        _user = new Option<string?>("--user")
        {
            Description = "The user to authenticate as, with --password; without it, the server's default user (KV_USER).",
            Recursive = true,
        };
        _password = new Option<string?>("--password")
        {
            Description = "The password: kv authenticates (AUTH) before its command. Prefer the variable, which ps does not show (KV_PASSWORD).",
            Recursive = true,
        };

        var set = CreateSetCommand();

        var getKey = new Argument<string>("KEY") { Description = "The key." };
        var get = new Command("get", "Print the value at KEY; exit code 1 and nothing on standard output when there is no such key.") { getKey };
        get.SetAction((result, cancellationToken) => RunOneAsync(result, (client, ct) => KvCommand.GetAsync(client, result.GetValue(getKey)!, ct), cancellationToken));

        var clearKey = new Argument<string>("KEY") { Description = "The key." };
        var clear = new Command("clear", "Remove KEY and print the value it held; exit code 1 and nothing on standard output when there was no such key.") { clearKey };
        clear.Aliases.Add("getdel");
        clear.SetAction((result, cancellationToken) => RunOneAsync(result, (client, ct) => KvCommand.ClearAsync(client, result.GetValue(clearKey)!, ct), cancellationToken));

        var message = new Argument<string?>("MESSAGE") { Description = "What the server should echo; without it, PONG.", Arity = ArgumentArity.ZeroOrOne };
        var ping = new Command("ping", "Check the server: prints PONG, or MESSAGE echoed.") { message };
        ping.SetAction((result, cancellationToken) => RunOneAsync(result, (client, ct) => KvCommand.PingAsync(client, result.GetValue(message), ct), cancellationToken));

        _root = ToolCommand.Create(
            "kv",
            "The Kv command line. Without a command, an interactive prompt reads commands from standard input.\n" +
            "Exit codes: 0 success, 1 no such key or a condition that did not hold (set --nx/--xx, expire --nx/--xx/--gt/--lt), 2 any error (message on standard error).\n" +
            "Durations: 500ms, 10s, 5m, 1h, 2d; a plain number is seconds. Times: Unix milliseconds, or ISO 8601 (UTC without an offset).");
        _root.Options.Add(_host);
        _root.Options.Add(_port);
        _root.Options.Add(_user);
        _root.Options.Add(_password);
        AddTlsOptions(_root);
        foreach (var command in new[] { set, get, clear, ping, CreateTtlCommand(), CreateExpireCommand(), CreatePersistCommand(), CreateGetExCommand() })
        {
            _root.Subcommands.Add(command);
        }

        _root.SetAction(async (result, cancellationToken) =>
        {
            KvClientOptions options;
            try
            {
                options = ClientOptions(result);
            }
            catch (ArgumentException e)
            {
                await _error.WriteLineAsync($"kv: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Error;
            }

            return await new InteractiveShell(options, _input, _output, _interactiveInput).RunAsync(cancellationToken).ConfigureAwait(false);
        });
    }

    /// <summary>Parses <paramref name="args"/>, runs the command and returns the exit code (<see cref="ExitCodes"/>).</summary>
    /// <param name="args">The command-line arguments.</param>
    public Task<int> RunAsync(string[] args) =>
        ToolCommand.InvokeAsync(_root, args, _error, new InvocationConfiguration { Output = _output, Error = _error });

    private static bool HostName(string text, out string value, out string expected)
    {
        expected = "a host name or address";
        value = text.Trim();
        return value.Length > 0;
    }

    private string Address(ParseResult result)
    {
        var host = result.GetValue(_host) ?? DefaultHost;
        var port = result.GetValue(_port);
        return host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]:{port}" : $"{host}:{port}";
    }

    private KvClientOptions ClientOptions(ParseResult result) => KvClientOptions.Default with
    {
        EndPoint = Address(result),
        User = NonEmpty(result.GetValue(_user)) ?? NonEmpty(_environment("KV_USER")),
        Password = NonEmpty(result.GetValue(_password)) ?? NonEmpty(_environment("KV_PASSWORD")),
        Tls = TlsOptions(result),
    };

    private static string? NonEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;

    private async Task<int> RunOneAsync(ParseResult result, Func<KvClient, CancellationToken, Task<KvCommand.Outcome>> command, CancellationToken cancellationToken)
    {
        try
        {
            await using var client = await KvClient.ConnectAsync(ClientOptions(result), cancellationToken).ConfigureAwait(false);
            var outcome = await command(client, cancellationToken).ConfigureAwait(false);
            if (outcome.Output is not null)
            {
                await _output.WriteLineAsync(outcome.Output).ConfigureAwait(false);
            }

            if (outcome.Note is not null)
            {
                await _error.WriteLineAsync(outcome.Note).ConfigureAwait(false);
            }
            else if (outcome.Output is null && outcome.ExitCode == ExitCodes.Unsuccessful)
            {
                await _error.WriteLineAsync(KvCommand.Nil).ConfigureAwait(false);
            }

            return outcome.ExitCode;
        }
        catch (Exception e) when (e is KvException or TimeoutException or OperationCanceledException or ArgumentException)
        {
            await _error.WriteLineAsync($"kv: {KvCommand.Describe(e)}").ConfigureAwait(false);
            return ExitCodes.Error;
        }
    }
}
