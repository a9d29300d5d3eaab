using System.Buffers.Binary;
using System.Numerics;

namespace Kv.Testing.HashFlooding;

/// <summary>Kv's seeded hash before the store used SipHash, kept only to show that <see cref="CollidingFamily"/> collides under it.</summary>
public static class LegacyHash
{
    public const ulong Prime1 = 0x9E3779B185EBCA87UL;
    public const ulong Prime2 = 0xC2B2AE3D27D4EB4FUL;

    public static ulong Compute(ulong seed, ReadOnlySpan<byte> key)
    {
        var hash = seed ^ ((ulong)key.Length * Prime1);
        while (key.Length >= 8)
        {
            hash = Round(hash, BinaryPrimitives.ReadUInt64LittleEndian(key));
            key = key.Slice(8);
        }

        if (key.Length > 0)
        {
            ulong tail = 0;
            for (var i = key.Length - 1; i >= 0; i--)
            {
                tail = (tail << 8) | key[i];
            }

            hash = Round(hash, tail);
        }

        hash ^= hash >> 33;
        hash *= 0xFF51AFD7ED558CCDUL;
        hash ^= hash >> 33;
        hash *= 0xC4CEB9FE1A85EC53UL;
        hash ^= hash >> 33;
        return hash;
    }

    private static ulong Round(ulong hash, ulong lane) => BitOperations.RotateLeft(hash ^ (lane * Prime2), 31) * Prime1;
}
