using System.CommandLine;
using System.Runtime.InteropServices;
using Kv.CommandLine;
using Kv.Server.Diagnostics;
using Kv.Server.Hosting;
using Kv.Server.Networking;
using Kv.Storage.Persistence;
using Microsoft.Extensions.Logging;

namespace Kv.Server;

/// <summary>The <c>kv-server</c> entry point.</summary>
public static class Program
{
    /// <summary>Parses the command line, runs the server until SIGINT or SIGTERM, and returns the exit code (<see cref="ExitCodes"/>).</summary>
    public static Task<int> Main(string[] args)
    {
        // A command of its own rather than a subcommand, so that the server's usage stays 'kv-server [options]'.
        if (args is [HashPasswordCommand.Name, .. var rest])
        {
            return ToolCommand.InvokeAsync(HashPasswordCommand.Create(), rest, Console.Error);
        }

        var commandLine = new ServerCommandLine();
        commandLine.Root.SetAction((result, _) => RunAsync(commandLine, result));

        // The server handles SIGINT and SIGTERM itself, to shut down gracefully.
        return ToolCommand.InvokeAsync(commandLine.Root, args, Console.Error, new InvocationConfiguration { ProcessTerminationTimeout = null });
    }

    private static async Task<int> RunAsync(ServerCommandLine commandLine, ParseResult result)
    {
        KvServerOptions options;
        try
        {
            options = commandLine.ToOptions(result);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"kv-server: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Error;
        }

        if (options.CheckProtectedMode() is { } refusal)
        {
            await Console.Error.WriteLineAsync($"kv-server: {refusal}").ConfigureAwait(false);
            return ExitCodes.Error;
        }

        if (options.ResolveTransport() == ServerTransport.Sockets)
        {
            ConfigureSocketEngine(options.ResolveEventThreads());
        }
        using var loggerFactory = LoggerFactory.Create(logging => logging
            .SetMinimumLevel(result.GetValue(commandLine.LogLevel))
            .AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fff ";
            })
            .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace));

        var log = loggerFactory.CreateLogger("Kv.Server");
        if (options.Users is { } users)
        {
            ServerLog.AuthenticationOn(log, users.Names.Count, result.GetValue(commandLine.Users) is null ? "--password" : "--users");
        }
        else if (!System.Net.IPAddress.IsLoopback(options.BindAddress))
        {
            ServerLog.Unprotected(log, options.BindAddress);
        }

        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

        // The request path compiled before the first client comes (it is a few hundred requests to a scratch server).
        await StartupWarmup.RunAsync(options).ConfigureAwait(false);

        KvServer created;
        try
        {
            created = new KvServer(options, loggerFactory: loggerFactory);
        }
        catch (ArgumentException e)
        {
            // A TLS file that cannot be loaded: the message names the option.
            await Console.Error.WriteLineAsync($"kv-server: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Error;
        }

        await using var server = created;

        // SIGHUP re-reads the TLS certificate and key for new handshakes (as nginx and Redis's CONFIG SET tls-cert-file).
        using var sighup = options.TlsPort is null ? null : PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            server.ReloadTlsCertificate();
        });
        try
        {
            server.Start();
        }
        catch (System.Net.Sockets.SocketException e)
        {
            var ports = options.TlsPort is { } tlsPort ? $"{options.Port} (TLS {tlsPort})" : $"{options.Port}";
            await Console.Error.WriteLineAsync($"kv-server: cannot listen on {options.BindAddress}:{ports}: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Unsuccessful;
        }
        catch (LogCorruptionException e)
        {
            await Console.Error.WriteLineAsync($"kv-server: {e.Message}").ConfigureAwait(false);
            return ExitCodes.DataUnavailable;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"kv-server: cannot use the data directory {options.Persistence?.DataDirectory}: {e.Message}").ConfigureAwait(false);
            return ExitCodes.DataUnavailable;
        }

        // The one line on standard output, for people and scripts: the server accepts connections from now on.
        await Console.Out.WriteLineAsync($"Kv server ready on {server.EndPoint}, max memory {DescribeLimit(options.MaxMemory)} of {FormatBytes(MemoryDefaults.Available)} available (--max-memory), eviction {EvictionPolicyNames.Format(options.Eviction)}{(server.TlsEndPoint is { } tls ? $", TLS on {tls}" : "")}").ConfigureAwait(false);
        await Console.Out.FlushAsync().ConfigureAwait(false);

        var failed = await Task.WhenAny(stop.Task, server.PersistenceFailed).ConfigureAwait(false) != stop.Task;
        if (failed)
        {
            ServerLog.StoppingOnLogFailure(loggerFactory.CreateLogger("Kv.Server"));
        }

        await server.StopAsync().ConfigureAwait(false);
        return failed ? ExitCodes.PersistenceFailed : ExitCodes.Success;

        static string DescribeLimit(long bytes) => bytes == 0 ? "unlimited" : FormatBytes(bytes);

        static string FormatBytes(long bytes) => bytes >= 1L << 30
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.0} GiB")
            : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0.0} MiB");

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
