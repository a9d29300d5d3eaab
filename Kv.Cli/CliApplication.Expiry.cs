using System.CommandLine;
using Kv.Client;

namespace Kv.Cli;

// The commands with times: set's options, ttl, expire, persist, getex.
public sealed partial class CliApplication
{
    private Command CreateSetCommand()
    {
        var key = new Argument<string>("KEY") { Description = "The key." };
        var value = new Argument<string>("VALUE") { Description = "The value." };
        var ttl = TimeArguments.Ttl("The key expires DURATION from now (PX).");
        var at = TimeArguments.At("The key expires at TIME (PXAT).");
        var keepTtl = new Option<bool>("--keep-ttl") { Description = "Keep the key's expiry, if it has one (KEEPTTL); otherwise set leaves the key without one." };
        var ifMissing = new Option<bool>("--nx") { Description = "Only if the key does not exist (NX)." };
        var ifExists = new Option<bool>("--xx") { Description = "Only if the key exists (XX)." };
        var get = new Option<bool>("--get") { Description = "Print the key's previous value instead of OK ((nil) on standard error when it had none)." };
        var set = new Command(
            "set",
            "Store VALUE at KEY; prints OK, or 'not set: key exists' ('... does not exist') and exit code 1 when --nx (--xx) does not hold.")
        {
            key, value, ttl, at, keepTtl, ifMissing, ifExists, get,
        };
        set.Validators.Add(result =>
        {
            TimeArguments.Exclusive(result, ttl, at, keepTtl);
            TimeArguments.Exclusive(result, ifMissing, ifExists);
        });
        set.SetAction((result, cancellationToken) =>
        {
            var options = new KvSetOptions
            {
                Expiry = result.GetValue(ttl),
                ExpiresAt = result.GetValue(at),
                KeepTtl = result.GetValue(keepTtl),
                Condition = result.GetValue(ifMissing) ? KvSetCondition.IfMissing : result.GetValue(ifExists) ? KvSetCondition.IfExists : KvSetCondition.Always,
            };
            var returnPrevious = result.GetValue(get);
            return RunOneAsync(
                result,
                (client, ct) => options == default && !returnPrevious
                    ? KvCommand.SetAsync(client, result.GetValue(key)!, result.GetValue(value)!, ct)
                    : KvCommand.SetAsync(client, result.GetValue(key)!, result.GetValue(value)!, options, returnPrevious, ct),
                cancellationToken);
        });
        return set;
    }

    private Command CreateTtlCommand()
    {
        var key = new Argument<string>("KEY") { Description = "The key." };
        var milliseconds = new Option<bool>("--ms") { Description = "Print the time left as a number of milliseconds." };
        var ttl = new Command("ttl", "Print the time KEY has left (as 1h 59m 59.998s), or 'no expiry'; exit code 1 and nothing on standard output when there is no such key.")
        {
            key, milliseconds,
        };
        ttl.SetAction((result, cancellationToken) => RunOneAsync(
            result,
            (client, ct) => KvCommand.TimeToLiveAsync(client, result.GetValue(key)!, result.GetValue(milliseconds), ct),
            cancellationToken));
        return ttl;
    }

    private Command CreateExpireCommand()
    {
        var key = new Argument<string>("KEY") { Description = "The key." };
        var duration = TimeArguments.DurationArgument("How long KEY has left from now; 0 removes it. Or --at.");
        var at = TimeArguments.At("KEY expires at TIME instead (a time already past removes it).");
        var ifNoExpiry = new Option<bool>("--nx") { Description = "Only if KEY has no expiry." };
        var ifHasExpiry = new Option<bool>("--xx") { Description = "Only if KEY has an expiry." };
        var ifLater = new Option<bool>("--gt") { Description = "Only if the new expiry is later than KEY's (no expiry counts as never)." };
        var ifSooner = new Option<bool>("--lt") { Description = "Only if the new expiry is sooner than KEY's (no expiry counts as never)." };
        var expire = new Command(
            "expire",
            "Make KEY expire after DURATION (or at --at TIME); prints OK, or 'not set: ...' and exit code 1 when the condition does not hold; exit code 1 and nothing on standard output when there is no such key.")
        {
            key, duration, at, ifNoExpiry, ifHasExpiry, ifLater, ifSooner,
        };
        expire.Validators.Add(result =>
        {
            var hasDuration = result.GetResult(duration) is { Tokens.Count: > 0 };
            var hasAt = result.GetResult(at) is { Implicit: false };
            if (hasDuration == hasAt)
            {
                result.AddError("expire takes either DURATION or --at TIME.");
            }

            TimeArguments.Exclusive(result, ifNoExpiry, ifHasExpiry);
            TimeArguments.Exclusive(result, ifNoExpiry, ifLater);
            TimeArguments.Exclusive(result, ifNoExpiry, ifSooner);
            TimeArguments.Exclusive(result, ifLater, ifSooner);
        });
        expire.SetAction((result, cancellationToken) =>
        {
            var condition = (result.GetValue(ifNoExpiry) ? KvExpireCondition.IfNoExpiry : KvExpireCondition.None)
                | (result.GetValue(ifHasExpiry) ? KvExpireCondition.IfHasExpiry : KvExpireCondition.None)
                | (result.GetValue(ifLater) ? KvExpireCondition.IfLater : KvExpireCondition.None)
                | (result.GetValue(ifSooner) ? KvExpireCondition.IfSooner : KvExpireCondition.None);
            return RunOneAsync(
                result,
                (client, ct) => KvCommand.ExpireAsync(client, result.GetValue(key)!, result.GetValue(duration), result.GetValue(at) ?? default, condition, ct),
                cancellationToken);
        });
        return expire;
    }

    private Command CreatePersistCommand()
    {
        var key = new Argument<string>("KEY") { Description = "The key." };
        var persist = new Command("persist", "Remove KEY's expiry; prints OK, or 'no expiry' when it had none; exit code 1 and nothing on standard output when there is no such key.") { key };
        persist.SetAction((result, cancellationToken) => RunOneAsync(result, (client, ct) => KvCommand.PersistAsync(client, result.GetValue(key)!, ct), cancellationToken));
        return persist;
    }

    private Command CreateGetExCommand()
    {
        var key = new Argument<string>("KEY") { Description = "The key." };
        var ttl = TimeArguments.Ttl("KEY expires DURATION from now.");
        var at = TimeArguments.At("KEY expires at TIME.");
        var persist = new Option<bool>("--persist") { Description = "Remove KEY's expiry." };
        var getex = new Command("getex", "Print the value at KEY and set (--ttl, --at) or remove (--persist) its expiry; exit code 1 and nothing on standard output when there is no such key.")
        {
            key, ttl, at, persist,
        };
        getex.Validators.Add(result => TimeArguments.Exclusive(result, ttl, at, persist));
        getex.SetAction((result, cancellationToken) => RunOneAsync(
            result,
            (client, ct) => KvCommand.GetAndExpireAsync(client, result.GetValue(key)!, result.GetValue(ttl), result.GetValue(at), result.GetValue(persist), ct),
            cancellationToken));
        return getex;
    }
}
