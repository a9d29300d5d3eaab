using System.Security.Cryptography;

namespace Kv.Storage.Hashing;

/// <summary>
/// The store's hash of a key: SipHash-1-3 under a 128-bit key drawn from the operating system's CSPRNG for each store.
/// A client that cannot learn the key cannot choose keys that share a stripe or a probe chain (hash flooding).
/// </summary>
internal sealed class KeyHasher
{
    private readonly ulong _key0;
    private readonly ulong _key1;

    /// <summary>A hasher with a fresh random key.</summary>
    public KeyHasher()
    {
        Span<ulong> key = stackalloc ulong[2];
        RandomNumberGenerator.Fill(System.Runtime.InteropServices.MemoryMarshal.AsBytes(key));
        _key0 = key[0];
        _key1 = key[1];
    }

    /// <summary>A hasher with a chosen key, for tests that need the same hashes in every run.</summary>
    internal KeyHasher(ulong key0, ulong key1)
    {
        _key0 = key0;
        _key1 = key1;
    }

    public ulong Hash(ReadOnlySpan<byte> key) => SipHash.Hash13(_key0, _key1, key);
}
