using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Kv.Storage.Hashing;

/// <summary>
/// SipHash (Aumasson and Bernstein, 2012): a keyed pseudo-random function over short inputs with a 64-bit result. Without
/// the 128-bit key, nobody can choose inputs that collide more often than chance would have them, which is what stops
/// hash flooding. SipHash-1-3 is what Redis and Rust's standard hash maps use; SipHash-2-4 is the paper's
/// conservative variant.
/// </summary>
public static class SipHash
{
    /// <summary>SipHash-1-3: one compression round per 8-byte block, three finalization rounds.</summary>
    /// <param name="key0">The key's first 8 bytes, read little-endian.</param>
    /// <param name="key1">The key's last 8 bytes, read little-endian.</param>
    /// <param name="data">The input.</param>
    public static ulong Hash13(ulong key0, ulong key1, ReadOnlySpan<byte> data) => Compute<Rounds13>(key0, key1, data);

    /// <summary>SipHash-2-4: two compression rounds per 8-byte block, four finalization rounds.</summary>
    /// <param name="key0">The key's first 8 bytes, read little-endian.</param>
    /// <param name="key1">The key's last 8 bytes, read little-endian.</param>
    /// <param name="data">The input.</param>
    public static ulong Hash24(ulong key0, ulong key1, ReadOnlySpan<byte> data) => Compute<Rounds24>(key0, key1, data);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Compute<TRounds>(ulong key0, ulong key1, ReadOnlySpan<byte> data)
        where TRounds : struct, ISipRounds
    {
        var v0 = key0 ^ 0x736f6d6570736575UL;
        var v1 = key1 ^ 0x646f72616e646f6dUL;
        var v2 = key0 ^ 0x6c7967656e657261UL;
        var v3 = key1 ^ 0x7465646279746573UL;

        var length = data.Length;
        while (data.Length >= 8)
        {
            var m = BinaryPrimitives.ReadUInt64LittleEndian(data);
            v3 ^= m;
            for (var i = 0; i < TRounds.Compression; i++)
            {
                Round(ref v0, ref v1, ref v2, ref v3);
            }

            v0 ^= m;
            data = data.Slice(8);
        }

        // The last block: the remaining bytes, little-endian, with the input's length (mod 256) in the top byte.
        var last = (ulong)length << 56;
        for (var i = data.Length - 1; i >= 0; i--)
        {
            last |= (ulong)data[i] << (8 * i);
        }

        v3 ^= last;
        for (var i = 0; i < TRounds.Compression; i++)
        {
            Round(ref v0, ref v1, ref v2, ref v3);
        }

        v0 ^= last;
        v2 ^= 0xff;
        for (var i = 0; i < TRounds.Finalization; i++)
        {
            Round(ref v0, ref v1, ref v2, ref v3);
        }

        return v0 ^ v1 ^ v2 ^ v3;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Round(ref ulong v0, ref ulong v1, ref ulong v2, ref ulong v3)
    {
        v0 += v1;
        v1 = BitOperations.RotateLeft(v1, 13);
        v1 ^= v0;
        v0 = BitOperations.RotateLeft(v0, 32);
        v2 += v3;
        v3 = BitOperations.RotateLeft(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = BitOperations.RotateLeft(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = BitOperations.RotateLeft(v1, 17);
        v1 ^= v2;
        v2 = BitOperations.RotateLeft(v2, 32);
    }

    private interface ISipRounds
    {
        static abstract int Compression { get; }

        static abstract int Finalization { get; }
    }

    private readonly struct Rounds13 : ISipRounds
    {
        public static int Compression => 1;

        public static int Finalization => 3;
    }

    private readonly struct Rounds24 : ISipRounds
    {
        public static int Compression => 2;

        public static int Finalization => 4;
    }
}
