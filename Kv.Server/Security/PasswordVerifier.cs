namespace Kv.Server.Security;

/// <summary>
/// Checks a password against its stored hash: derives the key from the password with the hash's salt and iterations,
/// then compares it with the stored one through an <see cref="ISecretComparer"/>, the fixed-time one unless a test says
/// otherwise. Nothing else in the server compares secrets.
/// </summary>
internal sealed class PasswordVerifier(ISecretComparer comparer)
{
    /// <summary>The server's verifier: the fixed-time comparison.</summary>
    public static PasswordVerifier Default { get; } = new(FixedTimeSecretComparer.Instance);

    public ISecretComparer Comparer { get; } = comparer;

    public bool Verify(PasswordHash hash, ReadOnlySpan<byte> password) => Comparer.AreEqual(hash.DeriveFrom(password), hash.Hash);
}
