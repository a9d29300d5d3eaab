namespace Kv.Storage.Index;

/// <summary>
/// An index slot is a <c>ulong</c>: 24 bits of the key's hash (its tag) above 40 bits of the record's address plus one,
/// so that 0 means empty. The tag rejects almost every other key without touching its record, and gives the slot's home
/// without the key, for resizing and for backward-shift deletion. The home is the tag scaled to the table's length (a
/// multiply and a shift), so a table can have any length and grow by half rather than double.
/// </summary>
internal static class SlotLayout
{
    /// <summary>Tables hold at most this many slots: the tag's range, so that every slot has a distinct home.</summary>
    public const int MaxTableLength = 1 << TagBits;

    /// <summary>
    /// A removed entry in a table being migrated away from: the address of a page index no record can have
    /// (<see cref="Records.RecordPages.MaxPages"/>) and a tag of 0. Never found, never moved, but it keeps probe
    /// chains through it unbroken.
    /// </summary>
    public const ulong Tombstone = AddressMask;

    private const int TagBits = 24;
    private const int TagShift = 40;
    private const ulong AddressMask = (1UL << TagShift) - 1;
    private const ulong TagMask = (1UL << TagBits) - 1;

    public static ulong TagOf(ulong hash) => hash & TagMask;

    public static ulong TagOfSlot(ulong slot) => slot >> TagShift;

    public static ulong Make(ulong hash, long address) => (TagOf(hash) << TagShift) | (ulong)(address + 1);

    public static long AddressOf(ulong slot) => (long)(slot & AddressMask) - 1;

    public static ulong WithAddress(ulong slot, long address) => (slot & ~AddressMask) | (ulong)(address + 1);

    public static int Home(ulong tag, int length) => (int)((tag * (ulong)length) >> TagBits);
}
