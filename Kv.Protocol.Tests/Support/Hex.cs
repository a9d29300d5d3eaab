namespace Kv.Protocol.Tests.Support;

/// <summary>Hex as written in docs/protocol.md: lower case, spaces between fields ignored.</summary>
internal static class Hex
{
    public static byte[] Parse(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    public static string Format(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);
}
