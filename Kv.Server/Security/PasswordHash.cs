using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Kv.Server.Security;

/// <summary>
/// A password stored as PBKDF2-HMAC-SHA256 (the BCL's <see cref="Rfc2898DeriveBytes.Pbkdf2(ReadOnlySpan{byte}, ReadOnlySpan{byte}, int, HashAlgorithmName, int)"/>):
/// written <c>pbkdf2-sha256$ITERATIONS$SALT$HASH</c>, salt and hash in base64. New hashes take a 16-byte random salt,
/// <see cref="DefaultIterations"/> iterations (OWASP's figure for PBKDF2-HMAC-SHA256) and a 32-byte hash.
/// </summary>
internal sealed class PasswordHash
{
    /// <summary>The scheme's name, the first field.</summary>
    public const string Scheme = "pbkdf2-sha256";

    /// <summary>Iterations of new hashes.</summary>
    public const int DefaultIterations = 600_000;

    /// <summary>The fewest iterations a users file may give (tests use few; people should not).</summary>
    public const int MinimumIterations = 1_000;

    public const int SaltBytes = 16;

    public const int HashBytes = 32;

    private readonly byte[] _salt;
    private readonly byte[] _hash;

    private PasswordHash(int iterations, byte[] salt, byte[] hash)
    {
        Iterations = iterations;
        _salt = salt;
        _hash = hash;
    }

    public int Iterations { get; }

    public ReadOnlySpan<byte> Salt => _salt;

    public ReadOnlySpan<byte> Hash => _hash;

    /// <summary>Hashes <paramref name="password"/> with a new random salt.</summary>
    public static PasswordHash Create(ReadOnlySpan<byte> password, int iterations = DefaultIterations)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        return new PasswordHash(iterations, salt, Derive(password, salt, iterations));
    }

    /// <summary>Hashes the UTF-8 bytes of <paramref name="password"/> with a new random salt.</summary>
    public static PasswordHash Create(string password, int iterations = DefaultIterations) => Create(Encoding.UTF8.GetBytes(password), iterations);

    /// <summary>Reads the text form; false, with what is wrong, when it is not one.</summary>
    public static bool TryParse(string text, out PasswordHash? hash, out string problem)
    {
        hash = null;
        var parts = text.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme)
        {
            problem = $"the hash must be {Scheme}$ITERATIONS$SALT$HASH (as kv-server hash-password prints it)";
            return false;
        }

        if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations < MinimumIterations)
        {
            problem = $"the iteration count must be a whole number of at least {MinimumIterations}, not '{parts[1]}'";
            return false;
        }

        var salt = FromBase64(parts[2]);
        var derived = FromBase64(parts[3]);
        if (salt is not { Length: >= 8 } || derived is not { Length: HashBytes })
        {
            problem = $"the salt (8 bytes or more) and the hash ({HashBytes} bytes) must be base64";
            return false;
        }

        hash = new PasswordHash(iterations, salt, derived);
        problem = string.Empty;
        return true;
    }

    /// <summary>The key derived from <paramref name="password"/> with this hash's salt and iterations.</summary>
    public byte[] DeriveFrom(ReadOnlySpan<byte> password) => Derive(password, _salt, Iterations);

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Scheme}${Iterations}${Convert.ToBase64String(_salt)}${Convert.ToBase64String(_hash)}");

    private static byte[] Derive(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA256, HashBytes);

    private static byte[]? FromBase64(string text)
    {
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
