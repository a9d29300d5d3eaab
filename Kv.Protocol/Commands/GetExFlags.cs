namespace Kv.Protocol;

/// <summary>
/// The option bits of GETEX (<see cref="CommandKind.GetEx"/>), Redis's <c>GETEX key [PX ms|PXAT time|PERSIST]</c>: at
/// most one; none is a plain read that leaves the expiry as it is. <see cref="CommandOptions.Validate"/> says which
/// combinations are invalid.
/// </summary>
[Flags]
public enum GetExFlags : ushort
{
    /// <summary>Read the value and leave the expiry as it is (the time must be 0).</summary>
    None = 0,

    /// <summary>PX: the key expires the time's milliseconds from now (above 0).</summary>
    RelativeExpiry = 0x0010,

    /// <summary>PXAT: the key expires at the time, in Unix milliseconds (above 0; a time already past removes the key after the read).</summary>
    AbsoluteExpiry = 0x0020,

    /// <summary>PERSIST: remove the key's expiry (the time must be 0).</summary>
    Persist = 0x0040,
}
