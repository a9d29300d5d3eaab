namespace Kv.Storage.Index;

/// <summary>
/// An index slot is a <c>ulong</c>: 24 bits of the key's hash (its tag), 3 bits of metadata, and 37 bits of the
/// record's address plus one, so that 0 means empty. The tag rejects almost every other key without touching its
/// record, and gives the slot's home without the key, for resizing and for backward-shift deletion. The home is the tag
/// scaled to the table's length (a multiply and a shift), so a table can have any length and grow by half rather than
/// double. The metadata costs no memory, which is how expiry and eviction stay within "a few bits a key": one bit says
/// the record has an expiry (the active expiry scans slots, not records, and skips the others), two count the key's
/// recent uses for eviction (S3-FIFO's 0-3 frequency; CLOCK's reference bit).
/// </summary>
internal static class SlotLayout
{
    /// <summary>Tables hold at most this many slots: the tag's range, so that every slot has a distinct home.</summary>
    public const int MaxTableLength = 1 << TagBits;

    /// <summary>The highest use count a slot keeps.</summary>
    public const int MaxFrequency = 3;

    /// <summary>
    /// A removed entry in a table being migrated away from: the address of a page index no record can have
    /// (<see cref="Records.RecordPages.MaxPages"/>) and a tag of 0. Never found, never moved, but it keeps probe
    /// chains through it unbroken.
    /// </summary>
    public const ulong Tombstone = AddressMask;

    private const int TagBits = 24;
    private const int TagShift = 40;
    private const int AddressBits = 37;
    private const ulong AddressMask = (1UL << AddressBits) - 1;
    private const ulong TagMask = (1UL << TagBits) - 1;
    private const ulong ExpiresBit = 1UL << AddressBits;
    private const int FrequencyShift = AddressBits + 1;
    private const ulong FrequencyMask = 3UL << FrequencyShift;

    public static ulong TagOf(ulong hash) => hash & TagMask;

    public static ulong TagOfSlot(ulong slot) => slot >> TagShift;

    public static ulong Make(ulong hash, long address, bool expires) =>
        (TagOf(hash) << TagShift) | (expires ? ExpiresBit : 0) | (ulong)(address + 1);

    public static long AddressOf(ulong slot) => (long)(slot & AddressMask) - 1;

    /// <summary>The slot with a new address; its tag and metadata are kept.</summary>
    public static ulong WithAddress(ulong slot, long address) => (slot & ~AddressMask) | (ulong)(address + 1);

    public static int Home(ulong tag, int length) => (int)((tag * (ulong)length) >> TagBits);

    /// <summary>True when the slot's record has an expiry.</summary>
    public static bool Expires(ulong slot) => (slot & ExpiresBit) != 0;

    public static ulong WithExpires(ulong slot, bool expires) => expires ? slot | ExpiresBit : slot & ~ExpiresBit;

    /// <summary>The key's use count since eviction last looked at it, 0 to <see cref="MaxFrequency"/>.</summary>
    public static int FrequencyOf(ulong slot) => (int)((slot & FrequencyMask) >> FrequencyShift);

    public static ulong WithFrequency(ulong slot, int frequency) => (slot & ~FrequencyMask) | ((ulong)frequency << FrequencyShift);

    /// <summary>The slot after one more use of its key (the count saturates).</summary>
    public static ulong Used(ulong slot) => (slot & FrequencyMask) == FrequencyMask ? slot : slot + (1UL << FrequencyShift);
}
