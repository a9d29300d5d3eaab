using System.Buffers.Text;

namespace Kv.Bench.Load;

/// <summary>
/// Keys are 16 bytes, <c>key:</c> and a 12-digit number; a key's value is a function of the key, so any GET can be
/// checked against what any SET of that key wrote, whichever connection wrote it.
/// </summary>
internal static class Keyspace
{
    public const int KeyLength = 16;

    /// <summary>How many ids 12 digits can name: ids are 0 to Ids - 1.</summary>
    public const long Ids = 1_000_000_000_000;

    public static void WriteKey(Span<byte> destination, long id)
    {
        "key:"u8.CopyTo(destination);
        Utf8Formatter.TryFormat(id, destination.Slice(4, 12), out _, new System.Buffers.StandardFormat('D', 12));
    }

    public static void WriteValue(Span<byte> destination, ReadOnlySpan<byte> key)
    {
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = (byte)(key[i % key.Length] ^ (i * 31));
        }
    }

    public static bool IsValueOf(ReadOnlySpan<byte> value, ReadOnlySpan<byte> key, int expectedLength)
    {
        if (value.Length != expectedLength)
        {
            return false;
        }

        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] != (byte)(key[i % key.Length] ^ (i * 31)))
            {
                return false;
            }
        }

        return true;
    }
}
