using Kv.Storage.Index;
using Kv.Storage.Records;

namespace Kv.Storage;

/// <summary>
/// Expiry: changing a key's expiry, reading what is left of it, and the active scan that removes expired keys nobody
/// asks for. The scan walks the index, not the records: a slot's expiry bit (<see cref="SlotLayout"/>) says whether its
/// record has an expiry to read, so a stripe pays for its expiring keys only, and one without any pays nothing.
/// </summary>
internal sealed unsafe partial class StoreStripe
{
    /// <summary>What <see cref="TimeToLive"/> answers for a key that does not exist.</summary>
    public const long TtlKeyMissing = -2;

    /// <summary>What <see cref="TimeToLive"/> answers for a key without an expiry.</summary>
    public const long TtlNoExpiry = -1;

    private int _sweepCursor;

    /// <summary>Keys removed because they had expired (found by a lookup or by the scan).</summary>
    public long ExpiredKeys { get; private set; }

    /// <summary>Sets, changes or removes a key's expiry (EXPIRE, PERSIST).</summary>
    public ExpireStatus Expire(ReadOnlySpan<byte> key, ulong hash, KeyExpiry expiry, ExpireCondition condition, IStoreWriteObserver? observer)
    {
        lock (_lock)
        {
            _index.MigrateStep(_index.WriteStep);
            return ChangeExpiryWithRoom<object?>(key, hash, expiry, condition, observer, null, null);
        }
    }

    /// <summary>The milliseconds a key has left, <see cref="TtlNoExpiry"/> or <see cref="TtlKeyMissing"/>.</summary>
    public long TimeToLive(ReadOnlySpan<byte> key, ulong hash, IStoreWriteObserver? observer)
    {
        lock (_lock)
        {
            var found = FindLive(key, hash, observer);
            if (!found.Found)
            {
                return TtlKeyMissing;
            }

            var expiresAt = RecordFormat.ExpiryOf(_pages.Locate(SlotLayout.AddressOf(*found.Slot)));
            return expiresAt == RecordFormat.NoExpiry ? TtlNoExpiry : Math.Max(0, expiresAt - _clock.Now);
        }
    }

    /// <summary>
    /// Looks at up to <paramref name="slots"/> index slots from where the last scan stopped, removing the expired keys
    /// among them.
    /// </summary>
    /// <param name="slots">The most slots to look at.</param>
    /// <param name="expiringWanted">Stop once this many keys with an expiry were looked at.</param>
    /// <param name="observer">Told of each removal.</param>
    /// <param name="expiring">Keys with an expiry looked at.</param>
    /// <returns>The keys removed.</returns>
    public int RemoveExpired(int slots, int expiringWanted, IStoreWriteObserver? observer, out int expiring)
    {
        expiring = 0;
        lock (_lock)
        {
            if (_expiring == 0 || _clock.Suspended)
            {
                return 0;
            }

            // Keys in a table being migrated away from are out of the scan's reach until moved: move some first (a
            // write's worth, so that a stripe being written to is not held longer than its writes hold it).
            _index.MigrateStep(_index.WriteStep);
            var removed = 0;
            var now = _clock.Now;
            for (var looked = 0; looked < slots && expiring < expiringWanted; looked++)
            {
                if (_sweepCursor >= _index.Length)
                {
                    _sweepCursor = 0;
                }

                var at = _index.SlotAt(_sweepCursor);
                var slot = *at.Slot;
                if (slot != 0 && SlotLayout.Expires(slot))
                {
                    expiring++;
                    var address = SlotLayout.AddressOf(slot);
                    if (RecordFormat.ExpiryOf(_pages.Locate(address)) <= now)
                    {
                        // Backward-shift deletion moves the next slot here: look at this index again.
                        RemoveFound(_pages.KeyAt(address), at, observer);
                        removed++;
                        continue;
                    }
                }

                _sweepCursor++;
            }

            ExpiredKeys += removed;
            _maintenanceDue = _index.IsMigrating || _pages.CompactionWanted;
            return removed;
        }
    }

    // A change of expiry that may need memory (a record gains or loses its expiry field): under an evicting policy,
    // eviction makes room and the key is looked up again, since eviction may have moved or removed it. Where nothing can
    // be evicted the change is made past the limit, by at most a page: Redis does not refuse EXPIRE, PERSIST or GETEX
    // for memory either (they are not "denyoom" commands), and a PERSIST must not fail for the 8 bytes it gives back.
    private ExpireStatus ChangeExpiryWithRoom<TState>(
        ReadOnlySpan<byte> key, ulong hash, KeyExpiry change, ExpireCondition condition, IStoreWriteObserver? observer,
        ValueReader<TState>? reader, TState state)
    {
        for (var attempt = 0; ; attempt++)
        {
            var found = FindLive(key, hash, observer);
            if (!found.Found)
            {
                return ExpireStatus.KeyMissing;
            }

            var evict = attempt < MaxEvictionsPerWrite(RecordPages.PageSize);
            var status = ChangeExpiry(key, found, change, condition, observer, reader, state, pastLimit: !evict, out _);
            if (status != ExpireStatus.OutOfMemory || !evict)
            {
                return status;
            }

            if (!Evict(observer, _clock.Now, force: attempt >= MaxEvictionsPerWrite(RecordPages.PageSize) - 2))
            {
                found = FindLive(key, hash, observer);
                return found.Found
                    ? ChangeExpiry(key, found, change, condition, observer, reader, state, pastLimit: true, out _)
                    : ExpireStatus.KeyMissing;
            }
        }
    }

    // Applies an expiry change to a found key; the reader, if any, gets the value unless there was no memory.
    private ExpireStatus ChangeExpiry<TState>(
        ReadOnlySpan<byte> key, SlotRef found, KeyExpiry change, ExpireCondition condition, IStoreWriteObserver? observer,
        ValueReader<TState>? reader, TState state, bool pastLimit, out long needed)
    {
        needed = 0;
        var slot = *found.Slot;
        var address = SlotLayout.AddressOf(slot);
        var record = _pages.Locate(address);
        var current = RecordFormat.ExpiryOf(record);
        var now = _clock.Now;
        var next = change.Kind switch
        {
            KeyExpiryKind.After => _clock.After(change.Milliseconds),
            KeyExpiryKind.At => _clock.FromUnix(change.Milliseconds),
            KeyExpiryKind.Keep => current,
            _ => RecordFormat.NoExpiry,
        };

        var applies = condition switch
        {
            ExpireCondition.IfNone => current == RecordFormat.NoExpiry,
            ExpireCondition.IfAny => current != RecordFormat.NoExpiry,
            ExpireCondition.IfLater => next > current,
            ExpireCondition.IfSooner => next < current,
            ExpireCondition.IfAnyAndSooner => current != RecordFormat.NoExpiry && next < current,
            _ => true,
        };

        if (!applies || next == current)
        {
            reader?.Invoke(_pages.ValueAt(address), state);
            return applies ? ExpireStatus.Applied : ExpireStatus.NotApplied;
        }

        if (next <= now && !_clock.Suspended)
        {
            reader?.Invoke(_pages.ValueAt(address), state);
            RemoveFound(key, found, observer);
            AfterWrite(MinimumCompactionStep);
            return ExpireStatus.Applied;
        }

        var header = RecordFormat.ReadHeader(record, out var keyLength, out var valueLength);
        var expires = next != RecordFormat.NoExpiry;
        if (current != RecordFormat.NoExpiry && expires)
        {
            RecordFormat.SetExpiry(record, next);
            reader?.Invoke(new ReadOnlySpan<byte>(record + header + keyLength, valueLength), state);
        }
        else
        {
            // The record gains or loses its 8-byte expiry: write it anew, and only then drop the old one.
            var storedKey = new ReadOnlySpan<byte>(record + header, keyLength);
            var value = new ReadOnlySpan<byte>(record + header + keyLength, valueLength);
            if (!_pages.TryAppend(_pages.QueueOf(RecordPages.PageOf(address)), storedKey, value, next, out var moved, out needed, pastLimit))
            {
                return ExpireStatus.OutOfMemory;
            }

            reader?.Invoke(value, state);
            _pages.Free(address, header + keyLength + valueLength);
            *found.Slot = SlotLayout.WithExpires(SlotLayout.WithAddress(slot, moved), expires);
            _expiring += expires ? 1 : -1;
        }

        observer?.OnExpiryChanged(key, _clock.ToUnix(next));
        AfterWrite(MinimumCompactionStep);
        return ExpireStatus.Applied;
    }
}
