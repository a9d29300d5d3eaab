namespace Kv.Storage.Records;

/// <summary>Unsigned LEB128: seven bits a byte, low bits first, the high bit set on every byte but the last.</summary>
internal static unsafe class Varint
{
    /// <summary>The most bytes a 32-bit value takes.</summary>
    public const int MaxSize = 5;

    public static int Size(uint value)
    {
        var size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }

        return size;
    }

    public static int Write(Span<byte> destination, uint value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }

    /// <summary>Reads a value that this class wrote: the input is trusted (the store's own records).</summary>
    public static uint Read(byte* source, out int length)
    {
        uint value = 0;
        var shift = 0;
        var i = 0;
        while (true)
        {
            var b = source[i++];
            value |= (uint)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                length = i;
                return value;
            }

            shift += 7;
        }
    }
}
