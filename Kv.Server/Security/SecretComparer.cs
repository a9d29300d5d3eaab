using System.Security.Cryptography;

namespace Kv.Server.Security;

/// <summary>Compares two secrets (password hashes); the one place the server decides whether they are equal.</summary>
internal interface ISecretComparer
{
    bool AreEqual(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right);
}

/// <summary>
/// The comparison the server uses: <see cref="CryptographicOperations.FixedTimeEquals"/>, whose time depends on the
/// lengths only, never on where the bytes first differ, so that timing answers tell a guesser nothing.
/// </summary>
internal sealed class FixedTimeSecretComparer : ISecretComparer
{
    public static FixedTimeSecretComparer Instance { get; } = new();

    private FixedTimeSecretComparer()
    {
    }

    public bool AreEqual(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right) => CryptographicOperations.FixedTimeEquals(left, right);
}
