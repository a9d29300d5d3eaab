using System.Diagnostics;

namespace Kv.Storage;

/// <summary>Conditional writes, expiry and the statistics of expiry and eviction.</summary>
public sealed partial class MemoryStore
{
    /// <summary>What <see cref="TimeToLive"/> answers for a key that does not exist.</summary>
    public const long TtlKeyMissing = StoreStripe.TtlKeyMissing;

    /// <summary>What <see cref="TimeToLive"/> answers for a key that exists without an expiry.</summary>
    public const long TtlNoExpiry = StoreStripe.TtlNoExpiry;

    // One step of the active expiry in one stripe: Redis looks at 20 keys with an expiry per database and loop; a step
    // here looks at up to 64 of them (or 4,096 slots), and repeats while more than a tenth of what it saw had expired.
    private const int ExpirySlotsPerStep = 4096;
    private const int ExpiringKeysPerStep = 64;
    private const int StaleTenthsToRepeat = 1;

    private int _expiryStripe;

    /// <summary>True while the log is replayed into the store: expiry is not enforced meanwhile (<see cref="Expiry.StoreClock.Suspended"/>).</summary>
    internal bool Replaying
    {
        get => _clock.Suspended;
        set => _clock.Suspended = value;
    }

    /// <summary>Keys with an expiry (a snapshot).</summary>
    public long ExpiringCount
    {
        get
        {
            long count = 0;
            foreach (var stripe in _stripes)
            {
                count += stripe.ExpiringCount;
            }

            return count;
        }
    }

    /// <summary>Keys removed since the store was made because they had expired (a snapshot).</summary>
    public long ExpiredKeys => _stripes.Sum(stripe => stripe.ExpiredKeys);

    /// <summary>Keys evicted since the store was made to make room under <see cref="MemoryStoreOptions.Eviction"/> (a snapshot).</summary>
    public long EvictedKeys => _stripes.Sum(stripe => stripe.EvictedKeys);

    /// <summary>
    /// Stores <paramref name="value"/> at <paramref name="key"/> if <paramref name="condition"/> holds, with
    /// <paramref name="expiry"/> (Redis's <c>SET key value [NX|XX] [GET] [PX ms|PXAT time|KEEPTTL]</c>); then tells the
    /// observer, if any, while the key's stripe is still locked. An expiry already past applies the write and removes the
    /// key at once. Under an evicting policy, a write that needs memory past the limit evicts keys first.
    /// </summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="condition">When to apply the write.</param>
    /// <param name="expiry">The key's expiry after the write; <see cref="KeyExpiry.Keep"/> keeps the one it had.</param>
    /// <param name="previous">When not null, receives the key's previous value if it existed (Redis's GET option), whether or not the write applies.</param>
    /// <param name="state">Passed to <paramref name="previous"/>.</param>
    /// <returns>Whether the write was applied, and whether the key existed.</returns>
    /// <exception cref="StoreWriteRefusedException">The store refuses writes for now (<see cref="RefuseWrites"/>); nothing changed.</exception>
    public SetResult Set<TState>(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, SetCondition condition, KeyExpiry expiry, ValueReader<TState>? previous, TState state)
    {
        ThrowIfWritesRefused();
        var hash = _hasher.Hash(key);
        return StripeFor(hash).Set(key, hash, value, condition, expiry, previous, state, _observer);
    }

    /// <summary>
    /// Reads a key's value, as <see cref="TryRead{TState}"/> does, and sets or removes its expiry (Redis's GETEX):
    /// <see cref="KeyExpiry.Keep"/> changes nothing, <see cref="KeyExpiry.Never"/> removes the expiry.
    /// </summary>
    /// <returns>
    /// <see cref="ExpireStatus.Applied"/> when the value was read and the change made; <see cref="ExpireStatus.KeyMissing"/>;
    /// or <see cref="ExpireStatus.OutOfMemory"/> when the change needed memory (nothing was read or changed).
    /// </returns>
    /// <exception cref="StoreWriteRefusedException">The change writes, and the store refuses writes for now.</exception>
    public ExpireStatus TryReadAndExpire<TState>(ReadOnlySpan<byte> key, KeyExpiry expiry, ValueReader<TState> reader, TState state)
    {
        if (expiry.Kind != KeyExpiryKind.Keep)
        {
            ThrowIfWritesRefused();
        }

        var hash = _hasher.Hash(key);
        return StripeFor(hash).TryRead(key, hash, expiry, reader, state, _observer);
    }

    /// <summary>
    /// Sets a key's expiry if <paramref name="condition"/> holds (Redis 7's <c>EXPIRE/PEXPIREAT key time [NX|XX|GT|LT]</c>).
    /// A time already past removes the key.
    /// </summary>
    /// <exception cref="StoreWriteRefusedException">The store refuses writes for now; nothing changed.</exception>
    public ExpireStatus Expire(ReadOnlySpan<byte> key, KeyExpiry expiry, ExpireCondition condition = ExpireCondition.Always)
    {
        if (expiry.Kind is not (KeyExpiryKind.After or KeyExpiryKind.At))
        {
            throw new ArgumentException("EXPIRE needs a relative or an absolute time.", nameof(expiry));
        }

        ThrowIfWritesRefused();
        var hash = _hasher.Hash(key);
        return StripeFor(hash).Expire(key, hash, expiry, condition, _observer);
    }

    /// <summary>Removes a key's expiry (Redis's PERSIST).</summary>
    /// <returns>Applied when the key had an expiry; NotApplied when it had none; KeyMissing.</returns>
    /// <exception cref="StoreWriteRefusedException">The store refuses writes for now; nothing changed.</exception>
    public ExpireStatus Persist(ReadOnlySpan<byte> key)
    {
        ThrowIfWritesRefused();
        var hash = _hasher.Hash(key);
        return StripeFor(hash).Expire(key, hash, KeyExpiry.Never, ExpireCondition.IfAny, _observer);
    }

    /// <summary>
    /// The milliseconds a key has left to live; <see cref="TtlNoExpiry"/> for a key without an expiry;
    /// <see cref="TtlKeyMissing"/> for a key that does not exist (Redis's PTTL).
    /// </summary>
    public long TimeToLive(ReadOnlySpan<byte> key)
    {
        var hash = _hasher.Hash(key);
        return StripeFor(hash).TimeToLive(key, hash, _observer);
    }

    /// <summary>
    /// One run of the active expiry: every stripe with expiring keys gets a step, repeated while more than a tenth of
    /// what a step looked at had expired, for at most a quarter of the maintenance interval in all.
    /// </summary>
    /// <returns>The keys removed.</returns>
    internal int RemoveExpired()
    {
        var deadline = Stopwatch.GetTimestamp() + _expiryBudget;
        var removed = 0;
        for (var n = 0; n < _stripes.Length; n++)
        {
            // Start where the last run ran out of time, so that every stripe gets its turn.
            var index = (_expiryStripe + n) & (_stripes.Length - 1);
            var stripe = _stripes[index];
            if (stripe.ExpiringCount == 0)
            {
                continue;
            }

            int expired;
            int looked;
            do
            {
                if (Stopwatch.GetTimestamp() > deadline)
                {
                    _expiryStripe = index;
                    return removed;
                }

                expired = stripe.RemoveExpired(ExpirySlotsPerStep, ExpiringKeysPerStep, _observer, out looked);
                removed += expired;
            }
            while (looked > 0 && expired * 10 > looked * StaleTenthsToRepeat);
        }

        return removed;
    }
}
