namespace Kv.Protocol;

/// <summary>
/// The first byte of an OK answer to SETX: what the write did. When SETX asked for the previous value
/// (<see cref="SetFlags.ReturnPrevious"/>) and the key existed, the previous value's bytes follow it.
/// </summary>
[Flags]
public enum SetReplyFlags : byte
{
    /// <summary>The write was not applied (its condition did not hold), and the key did not exist.</summary>
    None = 0,

    /// <summary>The write was applied: the key holds the new value (or, for a time already past, is gone).</summary>
    Applied = 0x01,

    /// <summary>The key existed before the write.</summary>
    Existed = 0x02,
}
