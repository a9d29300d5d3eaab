using System.Security.Cryptography;
using System.Text;

namespace Kv.Server.Security;

/// <summary>
/// The server's users (<c>--users FILE</c>, or the single user of <c>--password</c>): each a name, a
/// <see cref="Permission"/> and a password hash. With one of these, connections must authenticate (AUTH) before they
/// run anything but PING.
/// </summary>
public sealed class UserDirectory
{
    /// <summary>The user of <c>--password</c>, and the one an AUTH with an empty user name means.</summary>
    public const string DefaultUser = "default";

    /// <summary>
    /// Iterations of the hash of a <c>--password</c>: it is held in memory only, so no stolen file can be attacked
    /// offline, and a start-up or an AUTH costs milliseconds rather than a third of a second.
    /// </summary>
    internal const int InMemoryIterations = 10_000;

    private readonly Dictionary<string, User> _users;
    private readonly PasswordVerifier _verifier;

    // A key of this process for the digests of verified passwords, so that a later AUTH of the same user with the same
    // password costs one HMAC rather than the slow hash.
    private readonly byte[] _digestKey = RandomNumberGenerator.GetBytes(32);

    // Verified for an unknown user, so that its answer takes as long as a known user's.
    private readonly Lazy<PasswordHash> _decoy;

    // One slow key derivation at a time, for the whole server: AUTHs from anyone (an unknown user's too) cost a hash, and
    // without a bound a flood of them from many connections would take every core and the thread pool with them. A user
    // whose password was verified before skips the queue (one HMAC).
    private readonly SemaphoreSlim _derivations = new(MaxConcurrentDerivations, MaxConcurrentDerivations);

    /// <summary>Slow key derivations (an AUTH not answered from a verified digest) run at most this many at once.</summary>
    internal const int MaxConcurrentDerivations = 1;

    private UserDirectory(Dictionary<string, User> users, PasswordVerifier? verifier = null)
    {
        _users = users;
        _verifier = verifier ?? PasswordVerifier.Default;
        var iterations = users.Values.Max(u => u.Hash.Iterations);
        _decoy = new Lazy<PasswordHash>(() => PasswordHash.Create(RandomNumberGenerator.GetBytes(16), iterations));
    }

    /// <summary>How long a failed AUTH waits before its answer: <see cref="Authentication.FailureDelay"/>, or less for the fuzz harness.</summary>
    internal TimeSpan FailureDelay { get; private init; } = Authentication.FailureDelay;

    /// <summary>The users' names, in no particular order.</summary>
    public IReadOnlyCollection<string> Names => _users.Keys;

    internal PasswordVerifier Verifier => _verifier;

    /// <summary>Reads a users file (<c>--users</c>).</summary>
    /// <exception cref="ArgumentException">The file cannot be read, or a line of it is bad (the message names the line).</exception>
    public static UserDirectory Load(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"--users: cannot read the users file {path}: {e.Message}", e);
        }

        return Parse(lines, path);
    }

    /// <summary>
    /// Reads the lines of a users file: one user per line, <c>name permission hash</c> separated by spaces or tabs, the
    /// permission <c>read</c>, <c>readwrite</c> or <c>admin</c>, the hash as <c>kv-server hash-password</c> prints it;
    /// blank lines and lines that start with <c>#</c> are skipped.
    /// </summary>
    /// <param name="lines">The file's lines.</param>
    /// <param name="source">The file's name, for messages.</param>
    /// <exception cref="ArgumentException">A line is bad (the message names it), a user appears twice, or there is none.</exception>
    public static UserDirectory Parse(IEnumerable<string> lines, string source)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var users = new Dictionary<string, User>(StringComparer.Ordinal);
        var number = 0;
        foreach (var line in lines)
        {
            number++;
            var text = line.Trim();
            if (text.Length == 0 || text[0] == '#')
            {
                continue;
            }

            var fields = text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != 3)
            {
                throw Bad(number, $"expected 'name permission hash', found {fields.Length} field(s)");
            }

            var name = fields[0];
            if (name.Any(char.IsControl))
            {
                throw Bad(number, "the user name has control characters");
            }

            if (!Permissions.TryParse(fields[1], out var permission))
            {
                throw Bad(number, $"unknown permission '{fields[1]}' (read, readwrite or admin)");
            }

            if (!PasswordHash.TryParse(fields[2], out var hash, out var problem))
            {
                throw Bad(number, problem);
            }

            if (!users.TryAdd(name, new User(name, permission, hash!)))
            {
                throw Bad(number, $"user '{name}' appears twice");
            }
        }

        if (users.Count == 0)
        {
            throw new ArgumentException($"--users: the users file {source} has no users, so nobody could connect.");
        }

        return new UserDirectory(users);

        ArgumentException Bad(int line, string what) => new($"--users: {source}, line {line}: {what}.");
    }

    /// <summary>The single user of <c>--password</c>: <see cref="DefaultUser"/>, with <see cref="Permission.Admin"/>.</summary>
    /// <exception cref="ArgumentException">The password is empty.</exception>
    public static UserDirectory FromPassword(string password)
    {
        if (string.IsNullOrEmpty(password))
        {
            throw new ArgumentException("--password must not be empty.");
        }

        var user = new User(DefaultUser, Permission.Admin, PasswordHash.Create(password, InMemoryIterations));
        return new UserDirectory(new Dictionary<string, User>(StringComparer.Ordinal) { [DefaultUser] = user });
    }

    /// <summary>A copy that compares secrets with <paramref name="verifier"/> (tests).</summary>
    internal UserDirectory WithVerifier(PasswordVerifier verifier) => new(_users, verifier) { FailureDelay = FailureDelay };

    /// <summary>A copy whose failed AUTHs wait <paramref name="delay"/> (the fuzz harness, which runs thousands of them).</summary>
    internal UserDirectory WithFailureDelay(TimeSpan delay) => new(_users, _verifier) { FailureDelay = delay };

    /// <summary>The user named <paramref name="name"/> (the empty name is <see cref="DefaultUser"/>), or null.</summary>
    internal User? Find(string name) => _users.GetValueOrDefault(name.Length == 0 ? DefaultUser : name);

    /// <summary>
    /// <see cref="Authenticate"/> off the caller's thread, the slow derivations one at a time
    /// (<see cref="MaxConcurrentDerivations"/>); an AUTH answered from a verified digest does not queue.
    /// </summary>
    internal async Task<User?> AuthenticateAsync(string name, byte[] password)
    {
        if (TryAuthenticateFromDigest(name, password, out var known))
        {
            return known;
        }

        await _derivations.WaitAsync().ConfigureAwait(false);
        try
        {
            return await Task.Run(() => Authenticate(name, password)).ConfigureAwait(false);
        }
        finally
        {
            _derivations.Release();
        }
    }

    /// <summary>
    /// The user when <paramref name="password"/> is theirs; null for a wrong password or an unknown user (whose answer
    /// costs as much as a known user's). Slow (the key derivation): run it off the connection's thread.
    /// </summary>
    internal User? Authenticate(string name, ReadOnlySpan<byte> password)
    {
        var user = Find(name);
        if (user is null)
        {
            _verifier.Verify(_decoy.Value, password);
            return null;
        }

        Span<byte> digest = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_digestKey, password, digest);
        if (Volatile.Read(ref user.VerifiedDigest) is { } verified)
        {
            // This user's password was verified before: a digest of the same password is the same, of another is not.
            return _verifier.Comparer.AreEqual(digest, verified) ? user : null;
        }

        if (!_verifier.Verify(user.Hash, password))
        {
            return null;
        }

        Volatile.Write(ref user.VerifiedDigest, digest.ToArray());
        return user;
    }

    // The quick answer for a user whose password was verified before: true with the user (or null, a wrong password)
    // when the digest decides; false when the slow derivation is needed.
    private bool TryAuthenticateFromDigest(string name, ReadOnlySpan<byte> password, out User? user)
    {
        user = Find(name);
        if (user is null || Volatile.Read(ref user.VerifiedDigest) is not { } verified)
        {
            user = null;
            return false;
        }

        Span<byte> digest = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_digestKey, password, digest);
        if (!_verifier.Comparer.AreEqual(digest, verified))
        {
            user = null;
        }

        return true;
    }

    /// <summary>A user as the server keeps it.</summary>
    internal sealed class User(string name, Permission permission, PasswordHash hash)
    {
        /// <summary>A keyed digest of the password once verified (<see cref="Authenticate"/>), or null.</summary>
        public byte[]? VerifiedDigest;

        public string Name { get; } = name;

        public Permission Permission { get; } = permission;

        public PasswordHash Hash { get; } = hash;

        /// <summary>What the user may run: a bit per command number (<see cref="Permissions"/>).</summary>
        public ulong Allowed { get; } = Permissions.MaskOf(permission);
    }
}
