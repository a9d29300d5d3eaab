namespace Kv.Protocol;

/// <summary>
/// The limits a parser enforces. A frame larger than <see cref="MaxFrameBytes"/> is rejected as soon as the length
/// prefix that announces it has been read, before its body arrives, so a hostile peer cannot make a receiver
/// buffer or allocate for it.
/// </summary>
public sealed class ProtocolLimits
{
    /// <summary>The default largest frame: 64 MiB.</summary>
    public const int DefaultMaxFrameBytes = 64 * 1024 * 1024;

    /// <summary>The smallest limit that can be configured: enough for every fixed header plus a few bytes.</summary>
    public const int MinimumMaxFrameBytes = 64;

    /// <summary>The limits used when none are given: frames up to 64 MiB.</summary>
    public static ProtocolLimits Default { get; } = new ProtocolLimits(DefaultMaxFrameBytes);

    /// <summary>Creates limits with the given largest frame size.</summary>
    /// <param name="maxFrameBytes">The largest whole frame, header included, in bytes; at least <see cref="MinimumMaxFrameBytes"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxFrameBytes"/> is below <see cref="MinimumMaxFrameBytes"/>.</exception>
    public ProtocolLimits(int maxFrameBytes)
    {
        if (maxFrameBytes < MinimumMaxFrameBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(maxFrameBytes), maxFrameBytes, $"The frame size limit must be at least {MinimumMaxFrameBytes} bytes.");
        }

        MaxFrameBytes = maxFrameBytes;
    }

    /// <summary>
    /// The largest frame, in bytes, header and every length prefix included. The largest string is therefore this
    /// limit minus the frame's fixed overhead (7 bytes for a version-0 GET, 15 for a version-1 GET).
    /// </summary>
    public int MaxFrameBytes { get; }
}
