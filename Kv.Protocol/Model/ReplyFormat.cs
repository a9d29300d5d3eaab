using System.Buffers.Binary;

namespace Kv.Protocol;

/// <summary>
/// The layouts of the OK bodies of the version-1 expiry commands, and readers for them (<see cref="ResponseEncoder"/>
/// writes them): SETX's result byte and previous value, the applied byte of EXPIRE and PERSIST, and TTL's i64. Each
/// reader answers false for a body that is not of its layout, rather than throwing.
/// </summary>
public static class ReplyFormat
{
    /// <summary>The size of SETX's result byte (<see cref="SetReplyFlags"/>), before any previous value.</summary>
    public const int SetReplyHeaderSize = 1;

    /// <summary>The size of the OK body of EXPIRE and PERSIST: one byte, 1 applied or 0 not.</summary>
    public const int AppliedSize = 1;

    /// <summary>The size of the OK body of TTL: a big-endian i64.</summary>
    public const int TimeToLiveSize = 8;

    /// <summary>What TTL answers for a key that exists without an expiry.</summary>
    public const long NoExpiry = -1;

    /// <summary>Reads the OK body of SETX.</summary>
    /// <param name="payload">The body.</param>
    /// <param name="flags">What the write did.</param>
    /// <param name="previousValue">The key's previous value, when SETX asked for it and the key existed; empty otherwise (and for an empty value).</param>
    /// <returns>False when the body is not a SETX answer: empty, unknown result bits, or a value without <see cref="SetReplyFlags.Existed"/>.</returns>
    public static bool TryReadSetReply(ReadOnlySpan<byte> payload, out SetReplyFlags flags, out ReadOnlySpan<byte> previousValue)
    {
        flags = default;
        previousValue = default;
        if (payload.Length < SetReplyHeaderSize
            || (payload[0] & ~(byte)(SetReplyFlags.Applied | SetReplyFlags.Existed)) != 0
            || (payload.Length > SetReplyHeaderSize && (payload[0] & (byte)SetReplyFlags.Existed) == 0))
        {
            return false;
        }

        flags = (SetReplyFlags)payload[0];
        previousValue = payload.Slice(SetReplyHeaderSize);
        return true;
    }

    /// <summary>Reads the OK body of EXPIRE or PERSIST: one byte, 1 when the change was made, 0 when not.</summary>
    /// <returns>False when the body is not one byte of 0 or 1.</returns>
    public static bool TryReadApplied(ReadOnlySpan<byte> payload, out bool applied)
    {
        applied = payload.Length == AppliedSize && payload[0] == 1;
        return payload.Length == AppliedSize && payload[0] <= 1;
    }

    /// <summary>Reads the OK body of TTL: the milliseconds the key has left (0 or more), or <see cref="NoExpiry"/>.</summary>
    /// <returns>False when the body is not 8 bytes of a number at least -1.</returns>
    public static bool TryReadTimeToLive(ReadOnlySpan<byte> payload, out long milliseconds)
    {
        milliseconds = payload.Length == TimeToLiveSize ? BinaryPrimitives.ReadInt64BigEndian(payload) : 0;
        if (payload.Length != TimeToLiveSize || milliseconds < NoExpiry)
        {
            milliseconds = 0;
            return false;
        }

        return true;
    }

    /// <summary>Checks SETX's result bits and previous value before anything is written.</summary>
    internal static void CheckSetReply(SetReplyFlags flags, int previousValueLength)
    {
        if ((flags & ~(SetReplyFlags.Applied | SetReplyFlags.Existed)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(flags), flags, "Unknown SETX result bits.");
        }

        if (previousValueLength != 0 && (flags & SetReplyFlags.Existed) == 0)
        {
            throw new ArgumentException("A previous value is answered only for a key that existed.", nameof(flags));
        }
    }

    /// <summary>Checks that TTL's answer is one of its forms: at least <see cref="NoExpiry"/>.</summary>
    internal static void CheckTimeToLive(long milliseconds)
    {
        if (milliseconds < NoExpiry)
        {
            throw new ArgumentOutOfRangeException(nameof(milliseconds), milliseconds, "A time to live is 0 or more, or -1 for a key without an expiry (a missing key is NOT_FOUND).");
        }
    }
}
