using System.CommandLine;
using System.Runtime.InteropServices;
using Kv.Server.Diagnostics;
using Kv.Server.Hosting;
using Kv.Server.Networking;
using Kv.Storage.Persistence;
using Microsoft.Extensions.Logging;

namespace Kv.Server;

/// <summary>The <c>kv-server</c> entry point.</summary>
public static class Program
{
    /// <summary>Exit code when the data directory or its log cannot be used at start (docs/operations.md).</summary>
    public const int ExitPersistenceUnavailable = 3;

    /// <summary>Exit code when writing the log failed while running and the server stopped.</summary>
    public const int ExitPersistenceFailed = 4;

    /// <summary>Parses the command line, runs the server until SIGINT or SIGTERM, and returns the exit code.</summary>
    public static Task<int> Main(string[] args)
    {
        var commandLine = new ServerCommandLine();
        commandLine.Root.SetAction((result, _) => RunAsync(commandLine, result));

        // The server handles SIGINT and SIGTERM itself, to shut down gracefully.
        return commandLine.Root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }

    private static async Task<int> RunAsync(ServerCommandLine commandLine, ParseResult result)
    {
        KvServerOptions options;
        int ioThreads;
        try
        {
            options = commandLine.ToOptions(result);
            ioThreads = commandLine.ResolveIoThreads(result);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"kv-server: {e.Message}").ConfigureAwait(false);
            return 2;
        }

        ConfigureSocketEngine(ioThreads);
        using var loggerFactory = LoggerFactory.Create(logging => logging
            .SetMinimumLevel(result.GetValue(commandLine.LogLevel))
            .AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fff ";
            })
            .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace));

        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

        await using var server = new KvServer(options, loggerFactory: loggerFactory);
        try
        {
            server.Start();
        }
        catch (System.Net.Sockets.SocketException e)
        {
            await Console.Error.WriteLineAsync($"kv-server: cannot listen on {options.BindAddress}:{options.Port}: {e.Message}").ConfigureAwait(false);
            return 1;
        }
        catch (LogCorruptionException e)
        {
            await Console.Error.WriteLineAsync($"kv-server: {e.Message}").ConfigureAwait(false);
            return ExitPersistenceUnavailable;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"kv-server: cannot use the data directory {options.Persistence?.DataDirectory}: {e.Message}").ConfigureAwait(false);
            return ExitPersistenceUnavailable;
        }

        // The one line on standard output, for people and scripts: the server accepts connections from now on.
        await Console.Out.WriteLineAsync($"Kv server ready on {server.EndPoint}").ConfigureAwait(false);
        await Console.Out.FlushAsync().ConfigureAwait(false);

        var failed = await Task.WhenAny(stop.Task, server.PersistenceFailed).ConfigureAwait(false) != stop.Task;
        if (failed)
        {
            ServerLog.StoppingOnLogFailure(loggerFactory.CreateLogger("Kv.Server"));
        }

        await server.StopAsync().ConfigureAwait(false);
        return failed ? ExitPersistenceFailed : 0;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.TrySetResult();
        }
    }

    // Socket completions run inline on a few event threads, as Redis runs its event loop: on a small machine this
    // costs far less CPU per request (docs/architecture.md). The user's own environment settings win.
    private static void ConfigureSocketEngine(int ioThreads)
    {
        SetDefault("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
        SetDefault("DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT", ioThreads.ToString(System.Globalization.CultureInfo.InvariantCulture));

        static void SetDefault(string name, string value)
        {
            if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name)))
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }
}
