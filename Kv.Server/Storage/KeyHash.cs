using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace Kv.Server.Storage;

/// <summary>
/// A seeded 64-bit hash of a key's bytes. The seed is random per process, so a client cannot choose keys that all
/// land in one probe chain (hash flooding).
/// </summary>
internal static class KeyHash
{
    private const ulong Prime1 = 0x9E3779B185EBCA87UL;
    private const ulong Prime2 = 0xC2B2AE3D27D4EB4FUL;
    private static readonly ulong Seed = BinaryPrimitives.ReadUInt64LittleEndian(RandomNumberGenerator.GetBytes(8));

    /// <summary>Draws the seed now (at start-up) rather than at the first request.</summary>
    public static void Initialize() => _ = Seed;

    public static ulong Compute(ReadOnlySpan<byte> key)
    {
        var hash = Seed ^ ((ulong)key.Length * Prime1);
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

        // The finaliser of MurmurHash3: every input bit affects every output bit.
        hash ^= hash >> 33;
        hash *= 0xFF51AFD7ED558CCDUL;
        hash ^= hash >> 33;
        hash *= 0xC4CEB9FE1A85EC53UL;
        hash ^= hash >> 33;
        return hash;
    }

    private static ulong Round(ulong hash, ulong lane) => BitOperations.RotateLeft(hash ^ (lane * Prime2), 31) * Prime1;
}
