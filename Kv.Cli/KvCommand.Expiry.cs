using System.Globalization;
using Kv.Client;
using Kv.CommandLine;

namespace Kv.Cli;

// The expiry commands: set with options, ttl, expire, persist, getex.
public static partial class KvCommand
{
    /// <summary>
    /// SET with an expiry or a condition: prints <c>OK</c>, or <c>not set: key exists</c> (<c>not set: key does not
    /// exist</c>) with <see cref="ExitCodes.Unsuccessful"/> when the condition did not hold. With
    /// <paramref name="returnPrevious"/>, prints the previous value instead (<c>(nil)</c> on standard error when there was
    /// none), and says <c>not set: ...</c> on standard error.
    /// </summary>
    /// <param name="client">The connected client.</param>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="options">The expiry and the condition.</param>
    /// <param name="returnPrevious">Print the previous value (<c>--get</c>).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public static async Task<Outcome> SetAsync(KvClient client, string key, string value, KvSetOptions options, bool returnPrevious, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        bool applied, existed;
        string? previous = null;
        if (returnPrevious)
        {
            (applied, existed, previous) = await client.GetAndSetAsync(key, value, options, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            (applied, existed) = await client.SetAsync(key, value, options, cancellationToken).ConfigureAwait(false);
        }

        var exitCode = applied ? ExitCodes.Success : ExitCodes.Unsuccessful;
        var notSet = applied ? null : existed ? "not set: key exists" : "not set: key does not exist";
        if (!returnPrevious)
        {
            return new Outcome(notSet ?? "OK", exitCode);
        }

        return new Outcome(previous, exitCode, notSet ?? (existed ? null : Nil));
    }

    /// <summary>
    /// TTL: prints the time left (<c>1h 59m 59.998s</c>, <c>9.998s</c>; with <paramref name="inMilliseconds"/>, a number
    /// of milliseconds), or <c>no expiry</c>; nothing with <see cref="ExitCodes.Unsuccessful"/> for a missing key.
    /// </summary>
    /// <param name="client">The connected client.</param>
    /// <param name="key">The key.</param>
    /// <param name="inMilliseconds">Print the time left as a number of milliseconds (<c>--ms</c>).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public static async Task<Outcome> TimeToLiveAsync(KvClient client, string key, bool inMilliseconds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var ttl = await client.GetTimeToLiveAsync(key, cancellationToken).ConfigureAwait(false);
        return ttl.Remaining is { } left
            ? new Outcome(inMilliseconds ? ((long)left.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) : ToolOptions.FormatDuration(left), ExitCodes.Success)
            : ttl.KeyExists ? new Outcome("no expiry", ExitCodes.Success)
            : new Outcome(null, ExitCodes.Unsuccessful);
    }

    /// <summary>
    /// EXPIRE: prints <c>OK</c>, or <c>not set: ...</c> with <see cref="ExitCodes.Unsuccessful"/> when the condition did
    /// not hold; nothing with <see cref="ExitCodes.Unsuccessful"/> for a missing key.
    /// </summary>
    /// <param name="client">The connected client.</param>
    /// <param name="key">The key.</param>
    /// <param name="expiry">The time from now, or null for <paramref name="expiresAt"/>.</param>
    /// <param name="expiresAt">The absolute time, when <paramref name="expiry"/> is null.</param>
    /// <param name="condition">When to set it.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public static async Task<Outcome> ExpireAsync(KvClient client, string key, TimeSpan? expiry, DateTimeOffset expiresAt, KvExpireCondition condition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var result = expiry is { } relative
            ? await client.ExpireAsync(key, relative, condition, cancellationToken).ConfigureAwait(false)
            : await client.ExpireAsync(key, expiresAt, condition, cancellationToken).ConfigureAwait(false);
        return result switch
        {
            KvExpireResult.Applied => new Outcome("OK", ExitCodes.Success),
            KvExpireResult.NotApplied => new Outcome($"not set: {NotMet(condition)}", ExitCodes.Unsuccessful),
            _ => new Outcome(null, ExitCodes.Unsuccessful),
        };
    }

    /// <summary>
    /// PERSIST: prints <c>OK</c> when an expiry was removed, <c>no expiry</c> when the key had none; nothing with
    /// <see cref="ExitCodes.Unsuccessful"/> for a missing key.
    /// </summary>
    /// <param name="client">The connected client.</param>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public static async Task<Outcome> PersistAsync(KvClient client, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        return await client.PersistAsync(key, cancellationToken).ConfigureAwait(false) switch
        {
            KvPersistResult.ExpiryRemoved => new Outcome("OK", ExitCodes.Success),
            KvPersistResult.NoExpiry => new Outcome("no expiry", ExitCodes.Success),
            _ => new Outcome(null, ExitCodes.Unsuccessful),
        };
    }

    /// <summary>
    /// GETEX: prints the value and sets (<paramref name="expiry"/>, <paramref name="expiresAt"/>) or removes
    /// (<paramref name="persist"/>) the key's expiry; with none, a plain GET. Nothing with
    /// <see cref="ExitCodes.Unsuccessful"/> for a missing key.
    /// </summary>
    /// <param name="client">The connected client.</param>
    /// <param name="key">The key.</param>
    /// <param name="expiry">A new expiry from now, or null.</param>
    /// <param name="expiresAt">A new absolute expiry, or null.</param>
    /// <param name="persist">Remove the expiry.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public static async Task<Outcome> GetAndExpireAsync(KvClient client, string key, TimeSpan? expiry, DateTimeOffset? expiresAt, bool persist, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var value = expiry is { } relative ? await client.GetAndExpireAsync(key, relative, cancellationToken).ConfigureAwait(false)
            : expiresAt is { } at ? await client.GetAndExpireAsync(key, at, cancellationToken).ConfigureAwait(false)
            : persist ? await client.GetAndPersistAsync(key, cancellationToken).ConfigureAwait(false)
            : await client.GetAsync(key, cancellationToken).ConfigureAwait(false);
        return value is null ? new Outcome(null, ExitCodes.Unsuccessful) : new Outcome(value, ExitCodes.Success);
    }

    private static string NotMet(KvExpireCondition condition) => condition switch
    {
        KvExpireCondition.IfNoExpiry => "the key has an expiry (--nx)",
        KvExpireCondition.IfHasExpiry => "the key has no expiry (--xx)",
        KvExpireCondition.IfLater => "not later than the key's expiry, or the key has none (--gt)",
        KvExpireCondition.IfSooner => "not sooner than the key's expiry (--lt)",
        _ => "the condition does not hold",
    };
}
