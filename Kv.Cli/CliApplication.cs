using System.CommandLine;
using System.Globalization;
using Kv.Client;

namespace Kv.Cli;

/// <summary>
/// The <c>kv</c> command line: <c>set</c>, <c>get</c>, <c>clear</c> and <c>ping</c> run one command and exit; with no
/// command, an interactive prompt. <c>--host</c> and <c>--port</c> default to the environment variables
/// <c>KV_HOST</c> and <c>KV_PORT</c> (the server's names), then to 127.0.0.1 and 6555.
/// </summary>
public sealed class CliApplication
{
    /// <summary>The default host when neither <c>--host</c> nor <c>KV_HOST</c> is given.</summary>
    public const string DefaultHost = "127.0.0.1";

    private const int InvalidPort = -1;

    private readonly TextReader _input;
    private readonly TextWriter _output;
    private readonly TextWriter _error;
    private readonly bool _interactiveInput;
    private readonly Option<string> _host;
    private readonly Option<int> _port;
    private readonly RootCommand _root;

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

        _host = new Option<string>("--host")
        {
            Description = $"Server host name or address (KV_HOST; default {DefaultHost}).",
            DefaultValueFactory = _ => NonEmpty(environment("KV_HOST")) ?? DefaultHost,
            Recursive = true,
        };
        _port = new Option<int>("--port", "-p")
        {
            Description = $"Server port (KV_PORT; default {KvClientOptions.DefaultPort}).",
            DefaultValueFactory = _ =>
            {
                var text = NonEmpty(environment("KV_PORT"));
                return text is null ? KvClientOptions.DefaultPort
                    : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) ? port
                    : InvalidPort;
            },
            Recursive = true,
        };
        _port.Validators.Add(result =>
        {
            var port = result.GetValueOrDefault<int>();
            if (port == InvalidPort && result.Implicit)
            {
                result.AddError($"KV_PORT must be a port number from 1 to 65535, not \"{environment("KV_PORT")}\".");
            }
            else if (port is < 1 or > 65535)
            {
                result.AddError($"The port must be from 1 to 65535, not {port}.");
            }
        });

        var setKey = new Argument<string>("KEY") { Description = "The key." };
        var setValue = new Argument<string>("VALUE") { Description = "The value." };
        var set = new Command("set", "Store VALUE at KEY; prints OK.") { setKey, setValue };
        set.SetAction((result, cancellationToken) => RunOneAsync(result, (client, ct) => KvCommand.SetAsync(client, result.GetValue(setKey)!, result.GetValue(setValue)!, ct), cancellationToken));

        var getKey = new Argument<string>("KEY") { Description = "The key." };
        var get = new Command("get", "Print the value at KEY; exit code 1 and nothing on standard output when there is no such key.") { getKey };
        get.SetAction((result, cancellationToken) => RunOneAsync(result, (client, ct) => KvCommand.GetAsync(client, result.GetValue(getKey)!, ct), cancellationToken));

        var clearKey = new Argument<string>("KEY") { Description = "The key." };
        var clear = new Command("clear", "Remove KEY and print the value it held; exit code 1 and nothing on standard output when there was no such key.") { clearKey };
        clear.SetAction((result, cancellationToken) => RunOneAsync(result, (client, ct) => KvCommand.ClearAsync(client, result.GetValue(clearKey)!, ct), cancellationToken));

        var message = new Argument<string?>("MESSAGE") { Description = "What the server should echo; without it, PONG.", Arity = ArgumentArity.ZeroOrOne };
        var ping = new Command("ping", "Check the server: prints PONG, or MESSAGE echoed.") { message };
        ping.SetAction((result, cancellationToken) => RunOneAsync(result, (client, ct) => KvCommand.PingAsync(client, result.GetValue(message), ct), cancellationToken));

        _root = new RootCommand(
            "kv: the Kv command line. Without a command, an interactive prompt reads commands from standard input.\n" +
            "Exit codes: 0 success, 1 no such key (get, clear), 2 any error (message on standard error).")
        {
            _host, _port, set, get, clear, ping,
        };
        _root.SetAction((result, cancellationToken) =>
            new InteractiveShell(Address(result), _input, _output, _interactiveInput).RunAsync(cancellationToken));
    }

    /// <summary>Parses <paramref name="args"/>, runs the command and returns the exit code (see <see cref="ExitCodes"/>).</summary>
    /// <param name="args">The command-line arguments.</param>
    public async Task<int> RunAsync(string[] args)
    {
        var result = _root.Parse(args);
        if (result.Errors.Count > 0)
        {
            foreach (var error in result.Errors)
            {
                await _error.WriteLineAsync($"kv: {error.Message}").ConfigureAwait(false);
            }

            await _error.WriteLineAsync("Try 'kv --help'.").ConfigureAwait(false);
            return ExitCodes.Error;
        }

        return await result.InvokeAsync(new InvocationConfiguration { Output = _output, Error = _error }).ConfigureAwait(false);
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private string Address(ParseResult result)
    {
        var host = result.GetValue(_host) ?? DefaultHost;
        var port = result.GetValue(_port);
        return host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]:{port}" : $"{host}:{port}";
    }

    private async Task<int> RunOneAsync(ParseResult result, Func<KvClient, CancellationToken, Task<KvCommand.Outcome>> command, CancellationToken cancellationToken)
    {
        var address = Address(result);
        try
        {
            await using var client = await KvClient.ConnectAsync(address, cancellationToken).ConfigureAwait(false);
            var outcome = await command(client, cancellationToken).ConfigureAwait(false);
            if (outcome.Output is not null)
            {
                await _output.WriteLineAsync(outcome.Output).ConfigureAwait(false);
            }
            else if (outcome.ExitCode == ExitCodes.NotFound)
            {
                await _error.WriteLineAsync("(nil)").ConfigureAwait(false);
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
