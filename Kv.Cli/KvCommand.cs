using Kv.CommandLine;
using Kv.Client;

namespace Kv.Cli;

/// <summary>
/// One Kv command as the command line and the interactive prompt both run it: the client call, and what it prints.
/// </summary>
public static partial class KvCommand
{
    /// <summary>What a missing value prints: on standard error from the command line, as the answer at the prompt.</summary>
    public const string Nil = "(nil)";

    /// <summary>
    /// The outcome of a command: what to print on standard output (null for nothing), the exit code, and a note for
    /// standard error. With neither output nor note, <see cref="ExitCodes.Unsuccessful"/> prints <see cref="Nil"/> there.
    /// </summary>
    /// <param name="Output">The line to print, or null.</param>
    /// <param name="ExitCode">One of <see cref="ExitCodes"/>.</param>
    /// <param name="Note">A line for standard error (at the prompt, after the output), or null.</param>
    public readonly record struct Outcome(string? Output, int ExitCode, string? Note = null);

    /// <summary>SET: prints <c>OK</c>.</summary>
    /// <param name="client">The connected client.</param>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public static async Task<Outcome> SetAsync(KvClient client, string key, string value, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        await client.SetAsync(key, value, cancellationToken).ConfigureAwait(false);
        return new Outcome("OK", ExitCodes.Success);
    }

    /// <summary>GET: prints the value, or nothing with <see cref="ExitCodes.Unsuccessful"/> for a missing key.</summary>
    /// <param name="client">The connected client.</param>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public static async Task<Outcome> GetAsync(KvClient client, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var value = await client.GetAsync(key, cancellationToken).ConfigureAwait(false);
        return value is null ? new Outcome(null, ExitCodes.Unsuccessful) : new Outcome(value, ExitCodes.Success);
    }

    /// <summary>CLEAR: prints the removed value, or nothing with <see cref="ExitCodes.Unsuccessful"/> when there was no such key.</summary>
    /// <param name="client">The connected client.</param>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public static async Task<Outcome> ClearAsync(KvClient client, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var removed = await client.GetAndClearAsync(key, cancellationToken).ConfigureAwait(false);
        return removed is null ? new Outcome(null, ExitCodes.Unsuccessful) : new Outcome(removed, ExitCodes.Success);
    }

    /// <summary>PING: prints <c>PONG</c>, or the message echoed.</summary>
    /// <param name="client">The connected client.</param>
    /// <param name="message">The message, or null.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public static async Task<Outcome> PingAsync(KvClient client, string? message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var reply = await client.PingAsync(message, cancellationToken).ConfigureAwait(false);
        return new Outcome(reply, ExitCodes.Success);
    }

    /// <summary>A one-line description of a failure, for standard error or the prompt.</summary>
    /// <param name="exception">What went wrong.</param>
    public static string Describe(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            KvAuthenticationException refused => $"authentication failed for {(refused.User is null ? "the default user" : $"user '{refused.User}'")}: {refused.ServerMessage} (check --user and --password, or KV_USER and KV_PASSWORD)",
            KvServerException { Code: Kv.Protocol.ProtocolErrorCode.NotAuthenticated } server => $"server error {server.Code}: {server.ServerMessage} (give --password, or KV_PASSWORD)",
            KvServerException server => $"server error {server.Code}: {server.ServerMessage}",
            KvTlsException tls => $"{tls.Message} (check --tls-ca, --tls-host and --tls-cert/--tls-key; the server's TLS port is its --tls-port)",
            OperationCanceledException => "cancelled",
            _ => exception.Message,
        };
    }
}
