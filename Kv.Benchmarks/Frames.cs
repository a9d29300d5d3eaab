using Kv.Protocol;

namespace Kv.Benchmarks;

/// <summary>The frames the benchmarks parse and encode: 16-byte keys and 32-byte values.</summary>
internal static class Frames
{
    public const int KeyLength = 16;
    public const int ValueLength = 32;

    public static byte[] Key { get; } = Bytes(KeyLength, 'k');

    public static byte[] Value { get; } = Bytes(ValueLength, 'v');

    public static byte[] Get(ProtocolVersion version) => Encode(version, CommandKind.Get, Key, []);

    public static byte[] Set(ProtocolVersion version) => Encode(version, CommandKind.Set, Key, Value);

    public static byte[] Encode(ProtocolVersion version, CommandKind kind, byte[] key, byte[] value)
    {
        var frame = new byte[CommandEncoder.GetEncodedLength(version, kind, key.Length, value.Length)];
        CommandEncoder.Encode(frame, version, kind, requestId: 1, key, value);
        return frame;
    }

    private static byte[] Bytes(int length, char first)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)(first + (i % 10));
        }

        return bytes;
    }
}
