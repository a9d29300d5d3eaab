namespace Kv.Storage;

/// <summary>What a conditional write did.</summary>
public enum SetStatus : byte
{
    /// <summary>The key now holds the value.</summary>
    Applied = 0,

    /// <summary>The condition did not hold; nothing changed.</summary>
    ConditionNotMet = 1,

    /// <summary>There was no memory for the write (and eviction, if on, could not make any); nothing changed.</summary>
    OutOfMemory = 2,
}

/// <summary>The outcome of <see cref="MemoryStore.Set{TState}"/>.</summary>
/// <param name="Status">Whether the write was applied.</param>
/// <param name="Existed">Whether the key existed (and had not expired) before the write.</param>
/// <param name="Needed">When out of memory: the bytes that could not be had, or -1 when a stripe's index cannot grow.</param>
public readonly record struct SetResult(SetStatus Status, bool Existed, long Needed = 0);
