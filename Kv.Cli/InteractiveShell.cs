using Kv.CommandLine;
using Kv.Client;

namespace Kv.Cli;

/// <summary>
/// The interactive prompt, in the manner of redis-cli: reads a line, runs it, prints the answer, until <c>quit</c>,
/// <c>exit</c> or the end of the input. The prompt (<c>127.0.0.1:6555&gt; </c>) is shown only when the input is a
/// terminal, so that piped input gives clean output. Errors are printed as <c>(error) ...</c> and the prompt goes on;
/// a missing key prints <c>(nil)</c>. The connection is made at the first command, and made again after a failure.
/// </summary>
public sealed class InteractiveShell
{
    private const string Help = """
        Commands (arguments with spaces go in quotes: set greeting "hello world"):
          set KEY VALUE    store VALUE at KEY
          get KEY          print the value at KEY, or (nil)
          clear KEY        remove KEY and print the value it held, or (nil)
          ping [MESSAGE]   print PONG, or MESSAGE echoed
          help             this text
          quit, exit       leave (so does the end of the input)
        """;

    private readonly string _address;
    private readonly KvClientOptions _options;
    private readonly TextReader _input;
    private readonly TextWriter _output;
    private readonly bool _showPrompt;
    private KvClient? _client;

    /// <summary>Creates a prompt for the server at <paramref name="address"/>.</summary>
    /// <param name="address">The server, <c>host:port</c>.</param>
    /// <param name="input">Where commands are read.</param>
    /// <param name="output">Where answers, errors and the prompt are written.</param>
    /// <param name="showPrompt">True to write the prompt before each line.</param>
    public InteractiveShell(string address, TextReader input, TextWriter output, bool showPrompt)
        : this(KvClientOptions.Default with { EndPoint = address ?? throw new ArgumentNullException(nameof(address)) }, input, output, showPrompt)
    {
    }

    /// <summary>Creates a prompt for the server <paramref name="options"/> name, with their credentials.</summary>
    /// <param name="options">The client's options: the server (<see cref="KvClientOptions.EndPoint"/>, shown in the prompt), user and password.</param>
    /// <param name="input">Where commands are read.</param>
    /// <param name="output">Where answers, errors and the prompt are written.</param>
    /// <param name="showPrompt">True to write the prompt before each line.</param>
    public InteractiveShell(KvClientOptions options, TextReader input, TextWriter output, bool showPrompt)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _address = options.EndPoint;
        _input = input ?? throw new ArgumentNullException(nameof(input));
        _output = output ?? throw new ArgumentNullException(nameof(output));
        _showPrompt = showPrompt;
    }

    /// <summary>Runs until <c>quit</c>, <c>exit</c> or the end of the input, and returns exit code 0.</summary>
    /// <param name="cancellationToken">Ends the prompt (Ctrl+C).</param>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                if (_showPrompt)
                {
                    await _output.WriteAsync($"{_address}> ").ConfigureAwait(false);
                    await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
                }

                string? line;
                try
                {
                    line = await _input.ReadLineAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return ExitCodes.Success;
                }

                if (line is null)
                {
                    return ExitCodes.Success;
                }

                if (!LineTokenizer.TryTokenize(line, out var arguments, out var error))
                {
                    await WriteAsync($"(error) Invalid argument(s): {error}").ConfigureAwait(false);
                    continue;
                }

                if (arguments.Count == 0)
                {
                    continue;
                }

                var name = arguments[0].ToLowerInvariant();
                if (name is "quit" or "exit")
                {
                    return ExitCodes.Success;
                }

                await WriteAsync(await ExecuteAsync(name, arguments, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
            }
        }
        finally
        {
            if (_client is not null)
            {
                await _client.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<string> ExecuteAsync(string name, List<string> arguments, CancellationToken cancellationToken)
    {
        var count = arguments.Count - 1;
        var usage = name switch
        {
            "set" when count != 2 => "set KEY VALUE",
            "get" when count != 1 => "get KEY",
            "clear" when count != 1 => "clear KEY",
            "ping" when count > 1 => "ping [MESSAGE]",
            "help" => null,
            "set" or "get" or "clear" or "ping" => null,
            _ => string.Empty,
        };
        if (usage is { Length: 0 })
        {
            return $"(error) unknown command '{arguments[0]}'; type help for the list";
        }

        if (usage is not null)
        {
            return $"(error) wrong number of arguments for '{name}': {usage}";
        }

        if (name == "help")
        {
            return Help;
        }

        try
        {
            _client ??= await KvClient.ConnectAsync(_options, cancellationToken).ConfigureAwait(false);
            var outcome = name switch
            {
                "set" => await KvCommand.SetAsync(_client, arguments[1], arguments[2], cancellationToken).ConfigureAwait(false),
                "get" => await KvCommand.GetAsync(_client, arguments[1], cancellationToken).ConfigureAwait(false),
                "clear" => await KvCommand.ClearAsync(_client, arguments[1], cancellationToken).ConfigureAwait(false),
                _ => await KvCommand.PingAsync(_client, count == 1 ? arguments[1] : null, cancellationToken).ConfigureAwait(false),
            };
            return outcome.Output ?? "(nil)";
        }
        catch (Exception e) when (e is KvException or TimeoutException or ArgumentException
            || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return $"(error) {KvCommand.Describe(e)}";
        }
    }

    private async Task WriteAsync(string text)
    {
        await _output.WriteLineAsync(text).ConfigureAwait(false);
        await _output.FlushAsync().ConfigureAwait(false);
    }
}
