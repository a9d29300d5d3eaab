namespace Kv.Protocol;

/// <summary>
/// The option bits of SETX (<see cref="CommandKind.SetX"/>), Redis's <c>SET key value [NX|XX] [GET] [PX ms|PXAT time|KEEPTTL]</c>.
/// Without <see cref="RelativeExpiry"/>, <see cref="AbsoluteExpiry"/> or <see cref="KeepTtl"/>, the key has no expiry
/// after the write, as after a plain SET. <see cref="CommandOptions.Validate"/> says which combinations are invalid.
/// </summary>
[Flags]
public enum SetFlags : ushort
{
    /// <summary>Write whatever the key holds, and leave it without an expiry.</summary>
    None = 0,

    /// <summary>NX: write only if the key does not exist (locks, first writer wins). Excludes <see cref="IfExists"/>.</summary>
    IfMissing = 0x0001,

    /// <summary>XX: write only if the key exists. Excludes <see cref="IfMissing"/>.</summary>
    IfExists = 0x0002,

    /// <summary>GET: answer the key's previous value, when it had one, whether or not the write applies.</summary>
    ReturnPrevious = 0x0004,

    /// <summary>KEEPTTL: keep the expiry the key had, if any. Excludes <see cref="RelativeExpiry"/> and <see cref="AbsoluteExpiry"/>.</summary>
    KeepTtl = 0x0008,

    /// <summary>PX: the key expires the time's milliseconds from now (the time must be above 0).</summary>
    RelativeExpiry = 0x0010,

    /// <summary>PXAT: the key expires at the time, in Unix milliseconds (above 0; a time already past removes the key).</summary>
    AbsoluteExpiry = 0x0020,
}
