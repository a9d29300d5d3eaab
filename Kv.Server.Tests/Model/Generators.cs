using CsCheck;
using Kv.Protocol;

namespace Kv.Server.Tests.Model;

/// <summary>CsCheck generators for request streams: few keys (so they collide), binary keys and values, empty ones included.</summary>
internal static class Generators
{
    /// <summary>Five keys: empty, a zero byte, ASCII, invalid UTF-8, and one that is a prefix of another's bytes.</summary>
    public static readonly byte[][] Keys = [[], [0x00], "k"u8.ToArray(), [0xff, 0x00, 0x80], [0x6b, 0x00]];

    /// <summary>Mostly short values (empty often), now and then one larger than the server's 16 KiB receive buffer.</summary>
    public static readonly Gen<byte[]> Value = Gen.Frequency(
        (3, Gen.Const(Array.Empty<byte>())),
        (12, Gen.Byte.Array[1, 12]),
        (1, Gen.Int[16_000, 40_000].Select(n => Enumerable.Range(0, n).Select(i => (byte)(i * 31 + n)).ToArray())));

    public static readonly Gen<ProtocolVersion> Version = Gen.OneOf(ProtocolVersion.V0, ProtocolVersion.V1);

    public static Gen<Operation> Operation(byte[][] keys) =>
        Gen.Select(Gen.Frequency((4, Gen.Const(CommandKind.Set)), (4, Gen.Const(CommandKind.Get)), (2, Gen.Const(CommandKind.Clear)), (1, Gen.Const(CommandKind.Ping))),
            Gen.Int[0, keys.Length - 1], Value, Version,
            (kind, key, value, version) => new Operation(kind, keys[key], value, version));

    /// <summary>Sizes to cut a byte stream into, used in turn: from single bytes up to a few frames at once.</summary>
    public static readonly Gen<int[]> ChunkSizes = Gen.Frequency((3, Gen.Int[1, 8]), (3, Gen.Int[9, 64]), (1, Gen.Int[65, 4096])).Array[1, 6];

    /// <summary>Cuts <paramref name="bytes"/> into chunks of the given sizes, taken in turn.</summary>
    public static IEnumerable<ReadOnlyMemory<byte>> Cut(byte[] bytes, int[] sizes)
    {
        var offset = 0;
        for (var i = 0; offset < bytes.Length; i++)
        {
            var size = Math.Min(sizes[i % sizes.Length], bytes.Length - offset);
            yield return bytes.AsMemory(offset, size);
            offset += size;
        }
    }
}
