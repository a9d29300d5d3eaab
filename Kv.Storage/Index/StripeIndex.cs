using Kv.Storage.Memory;

namespace Kv.Storage.Index;

/// <summary>Decides whether a slot whose tag matches holds the key being looked for (by comparing the record's key).</summary>
internal interface ISlotMatcher
{
    bool Matches(ulong slot);
}

/// <summary>Where a slot was found: valid until the index next changes shape (an insert, a removal, a migration step).</summary>
internal readonly unsafe struct SlotRef(ulong* slot, int index, bool inPrevious)
{
    public ulong* Slot { get; } = slot;

    public int Index { get; } = index;

    /// <summary>True when the slot is in the table being migrated away from.</summary>
    public bool InPrevious { get; } = inPrevious;

    public bool Found => Slot is not null;
}

/// <summary>
/// One stripe's index: open addressing with Robin Hood linear probing over native tables of <see cref="SlotLayout"/>
/// slots, grown and shrunk incrementally. A resize allocates the new table and from then on every write moves a bounded
/// number of the old table's slots into it (as Redis's dict moves buckets), until the old table is empty and freed: no
/// operation ever rehashes a whole table. Meanwhile lookups try the new table, then the old; inserts go to the new one; a
/// removal from the old table leaves a tombstone, since shifting entries there could move one behind the migration's
/// cursor. Not thread-safe: the stripe's lock guards it.
/// </summary>
/// <remarks>
/// Robin Hood ordering keeps probe sequences short and lets a search for a missing key stop early, so the table can be
/// kept up to 90% full: a resize starts when an insert would pass that, to a table a quarter larger (docs/architecture.md
/// has what that costs a key). The migration finishes long before the new table could
/// fill: it needs about 5 slots per insert, and each write moves <see cref="DefaultWriteStep"/>. Below an eighth full,
/// the index shrinks to a table half full, so a store that empties gives its index memory back too.
/// </remarks>
internal sealed unsafe class StripeIndex
{
    /// <summary>Slots an operation that writes moves from the old table to the new one during a resize, by default.</summary>
    public const int DefaultWriteStep = 32;

    public const int InitialLength = 16;

    private const int MaxLoadPercent = 90;

    private readonly NativeMemoryPool _pool;
    private SlotTable _table;
    private SlotTable _previous;
    private int _cursor;
    private int _count;

    public StripeIndex(NativeMemoryPool pool, int writeStep = DefaultWriteStep)
    {
        _pool = pool;
        WriteStep = writeStep;
        _table = Allocate(InitialLength) ?? throw StoreOutOfMemoryException.For(pool, InitialLength * sizeof(ulong));
    }

    /// <summary>Slots each write moves during a resize.</summary>
    public int WriteStep { get; }

    /// <summary>Keys in the index (in both tables during a resize); readable without the lock.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>True while a resize is moving slots from the old table to the new one.</summary>
    public bool IsMigrating => _previous.Length != 0;

    /// <summary>The table inserts go to.</summary>
    public int Length => _table.Length;

    /// <summary>Slots moved by resizes so far (for tests: how much one operation paid).</summary>
    public long SlotsMigrated { get; private set; }

    /// <summary>Bytes of the tables.</summary>
    public long Bytes => ((long)_table.Length + _previous.Length) * sizeof(ulong);

    /// <summary>Finds the slot whose record the matcher accepts.</summary>
    public SlotRef Find<TMatcher>(ulong hash, scoped ref TMatcher matcher)
        where TMatcher : ISlotMatcher, allows ref struct
    {
        var tag = SlotLayout.TagOf(hash);
        var found = Probe(_table, tag, ref matcher, inPrevious: false);
        return found.Found || _previous.Length == 0 ? found : Probe(_previous, tag, ref matcher, inPrevious: true);
    }

    /// <summary>
    /// Makes room for one more key: starts a resize if the insert would take the table past 80%. Call before writing
    /// the record, so that a failure leaves nothing half done.
    /// </summary>
    /// <exception cref="StoreOutOfMemoryException">The larger table could not be allocated.</exception>
    public void EnsureRoomForInsert()
    {
        if (!TryEnsureRoomForInsert(out var needed))
        {
            throw needed < 0
                ? new StoreOutOfMemoryException($"A stripe's index holds its most keys ({_count:N0}).")
                : StoreOutOfMemoryException.For(_pool, needed);
        }
    }

    /// <summary>As <see cref="EnsureRoomForInsert"/>, without throwing: false when there is no room.</summary>
    /// <param name="needed">The bytes the larger table needed, or -1 when the table cannot grow at all.</param>
    public bool TryEnsureRoomForInsert(out long needed)
    {
        needed = 0;
        if (!IsOverLoad(_count + 1, _table.Length))
        {
            return true;
        }

        if (IsMigrating)
        {
            // Cannot happen with the step sizes above (see the remarks); if it did, finishing now is correct, only slow.
            FinishMigration();
        }

        if (_table.Length >= SlotLayout.MaxTableLength)
        {
            needed = -1;
            return false;
        }

        var length = (int)Math.Min(SlotLayout.MaxTableLength, _table.Length + ((long)_table.Length / 4));
        needed = (long)length * sizeof(ulong);
        return StartMigration(length);
    }

    /// <summary>Inserts a key known to be absent; <see cref="EnsureRoomForInsert"/> must have been called.</summary>
    public void Insert(ulong hash, long address, bool expires)
    {
        Place(_table, SlotLayout.Make(hash, address, expires));
        Volatile.Write(ref _count, _count + 1);
    }

    /// <summary>The slot at <paramref name="index"/> of the table inserts go to (for the active expiry's scan).</summary>
    public SlotRef SlotAt(int index) => new(_table.Slots + index, index, inPrevious: false);

    /// <summary>Removes a found slot.</summary>
    public void Remove(SlotRef slot)
    {
        if (slot.InPrevious)
        {
            *slot.Slot = SlotLayout.Tombstone;
        }
        else
        {
            DeleteAt(_table, slot.Index);
        }

        Volatile.Write(ref _count, _count - 1);
        if (!IsMigrating && _table.Length > InitialLength && _count < _table.Length / 8)
        {
            // Shrinking is an economy, not a need: if the smaller table cannot be had, carry on with this one.
            StartMigration(Math.Max(InitialLength, _count * 2));
        }
    }

    /// <summary>Moves up to <paramref name="budget"/> slots of a resize; frees the old table when it is empty.</summary>
    /// <returns>The slots looked at.</returns>
    public int MigrateStep(int budget)
    {
        if (_previous.Length == 0)
        {
            return 0;
        }

        var end = (int)Math.Min(_previous.Length, (long)_cursor + budget);
        var slots = _previous.Slots;
        for (var i = _cursor; i < end; i++)
        {
            var slot = slots[i];
            if (slot != 0 && slot != SlotLayout.Tombstone)
            {
                Place(_table, slot);
                slots[i] = SlotLayout.Tombstone;
            }
        }

        var moved = end - _cursor;
        SlotsMigrated += moved;
        _cursor = end;
        if (_cursor == _previous.Length)
        {
            _pool.Free((byte*)_previous.Slots);
            _previous = default;
            _cursor = 0;
        }

        return moved;
    }

    /// <summary>Every occupied slot, in both tables; the index must not change while it is enumerated.</summary>
    public SlotEnumerator GetEnumerator() => new(_table, _previous);

    // Robin Hood order: along a probe sequence, entries never sit farther from their home than the entries before them
    // sit from theirs. So a search may stop at the first entry closer to its home than the key would be to its own: the
    // key would have taken that place. Tombstones (old table only) are skipped: removing entries keeps the order of the
    // rest.
    private static SlotRef Probe<TMatcher>(SlotTable table, ulong tag, scoped ref TMatcher matcher, bool inPrevious)
        where TMatcher : ISlotMatcher, allows ref struct
    {
        var slots = table.Slots;
        var length = table.Length;
        var index = SlotLayout.Home(tag, length);
        for (var distance = 0; ; distance++)
        {
            var slot = slots[index];
            if (slot == 0)
            {
                return default;
            }

            if (slot != SlotLayout.Tombstone)
            {
                if (SlotLayout.TagOfSlot(slot) == tag && matcher.Matches(slot))
                {
                    return new SlotRef(slots + index, index, inPrevious);
                }

                if (Distance(slot, index, length) < distance)
                {
                    return default;
                }
            }

            index = Next(index, length);
        }
    }

    // Robin Hood insertion: an entry farther from its home takes the place of one nearer to its own, which moves on.
    private static void Place(SlotTable table, ulong slot)
    {
        var slots = table.Slots;
        var length = table.Length;
        var index = SlotLayout.Home(SlotLayout.TagOfSlot(slot), length);
        for (var distance = 0; ; distance++)
        {
            var resident = slots[index];
            if (resident == 0)
            {
                slots[index] = slot;
                return;
            }

            var residentDistance = Distance(resident, index, length);
            if (residentDistance < distance)
            {
                slots[index] = slot;
                slot = resident;
                distance = residentDistance;
            }

            index = Next(index, length);
        }
    }

    // Backward-shift deletion: the entries after the hole move back one place until one is at its home (or a slot is
    // empty), which keeps the Robin Hood order without tombstones (in the table inserts go to).
    private static void DeleteAt(SlotTable table, int hole)
    {
        var slots = table.Slots;
        var length = table.Length;
        while (true)
        {
            var next = Next(hole, length);
            var slot = slots[next];
            if (slot == 0 || Distance(slot, next, length) == 0)
            {
                slots[hole] = 0;
                return;
            }

            slots[hole] = slot;
            hole = next;
        }
    }

    // How far a slot at this index is from its home.
    private static int Distance(ulong slot, int index, int length)
    {
        var home = SlotLayout.Home(SlotLayout.TagOfSlot(slot), length);
        return index >= home ? index - home : index + length - home;
    }

    private static int Next(int index, int length) => ++index == length ? 0 : index;

    private static bool IsOverLoad(long count, int length) => count * 100 > (long)length * MaxLoadPercent;

    private bool StartMigration(int length)
    {
        if (Allocate(length) is not { } table)
        {
            return false;
        }

        _previous = _table;
        _table = table;
        _cursor = 0;
        return true;
    }

    private void FinishMigration()
    {
        while (IsMigrating)
        {
            MigrateStep(int.MaxValue);
        }
    }

    private SlotTable? Allocate(int length)
    {
        var slots = (ulong*)_pool.Allocate((nuint)length * sizeof(ulong));
        return slots is null ? null : new SlotTable(slots, length);
    }

    internal readonly struct SlotTable(ulong* slots, int length)
    {
        public ulong* Slots { get; } = slots;

        public int Length { get; } = length;
    }

    /// <summary>Walks the occupied slots of the table inserts go to, then of the one being migrated away from.</summary>
    internal ref struct SlotEnumerator(SlotTable table, SlotTable previous)
    {
        private SlotTable _table = table;
        private SlotTable _next = previous;
        private int _index = -1;

        public readonly ulong Current => _table.Slots[_index];

        public bool MoveNext()
        {
            while (true)
            {
                while (++_index < _table.Length)
                {
                    var slot = _table.Slots[_index];
                    if (slot != 0 && slot != SlotLayout.Tombstone)
                    {
                        return true;
                    }
                }

                if (_next.Length == 0)
                {
                    return false;
                }

                _table = _next;
                _next = default;
                _index = -1;
            }
        }
    }
}
