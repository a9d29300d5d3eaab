using System.Security.Cryptography;
using Kv.Server.Security;

namespace Kv.Server.Tests.Security;

/// <summary>Passwords are stored as PBKDF2-HMAC-SHA256 and compared in constant time, through one comparer.</summary>
public class PasswordVerifierTests
{
    [Test]
    public void The_server_compares_secrets_with_the_fixed_time_comparison()
    {
        PasswordVerifier.Default.Comparer.Should().BeSameAs(FixedTimeSecretComparer.Instance);
        AuthenticationTests.Users().Verifier.Should().BeSameAs(PasswordVerifier.Default);
        UserDirectory.FromPassword("pw").Verifier.Should().BeSameAs(PasswordVerifier.Default);

        // It answers as CryptographicOperations.FixedTimeEquals does: equal content and length only.
        var comparer = FixedTimeSecretComparer.Instance;
        comparer.AreEqual([1, 2, 3], [1, 2, 3]).Should().BeTrue();
        comparer.AreEqual([1, 2, 3], [1, 2, 4]).Should().BeFalse();
        comparer.AreEqual([1, 2, 3], [1, 2]).Should().BeFalse();
        comparer.AreEqual([], []).Should().BeTrue();
    }

    [Test]
    public void Every_verification_goes_through_the_comparer_with_the_derived_and_the_stored_hash()
    {
        var hash = PasswordHash.Create("right", PasswordHash.MinimumIterations);
        var spy = new SpyComparer();
        var verifier = new PasswordVerifier(spy);

        verifier.Verify(hash, "right"u8).Should().BeTrue();
        verifier.Verify(hash, "wrong"u8).Should().BeFalse();

        spy.Calls.Should().HaveCount(2);
        spy.Calls[0].Left.Should().Equal(hash.Hash.ToArray());
        spy.Calls[0].Right.Should().Equal(hash.Hash.ToArray());
        spy.Calls[1].Right.Should().Equal(hash.Hash.ToArray());
        spy.Calls[1].Left.Should().Equal(Rfc2898DeriveBytes.Pbkdf2("wrong"u8, hash.Salt, hash.Iterations, HashAlgorithmName.SHA256, 32));
    }

    [Test]
    public void Users_are_verified_through_the_comparer_also_for_an_unknown_user_and_a_verified_password()
    {
        var spy = new SpyComparer();
        var users = AuthenticationTests.Users().WithVerifier(new PasswordVerifier(spy));

        users.Authenticate("nobody", "x"u8).Should().BeNull();
        spy.Calls.Should().HaveCount(1, "an unknown user's answer costs a verification too (a decoy hash)");

        users.Authenticate("reader", "reader-pw"u8).Should().NotBeNull();
        users.Authenticate("reader", "reader-pw"u8).Should().NotBeNull();
        users.Authenticate("reader", "wrong"u8).Should().BeNull();
        spy.Calls.Should().HaveCount(4, "a password verified before is compared by its keyed digest, through the same comparer");
    }

    [Test]
    public void Hashes_have_the_documented_form_and_round_trip()
    {
        var hash = PasswordHash.Create("pw");
        var text = hash.ToString();
        var fields = text.Split('$');

        fields[0].Should().Be("pbkdf2-sha256");
        fields[1].Should().Be("600000");
        Convert.FromBase64String(fields[2]).Should().HaveCount(16);
        Convert.FromBase64String(fields[3]).Should().HaveCount(32);
        PasswordHash.TryParse(text, out var parsed, out _).Should().BeTrue();
        parsed!.ToString().Should().Be(text);
        PasswordVerifier.Default.Verify(parsed, "pw"u8).Should().BeTrue();
        PasswordHash.Create("pw").ToString().Should().NotBe(text, "each hash has its own random salt");
    }

    [Test]
    public async Task Slow_key_derivations_run_one_at_a_time_however_many_AUTHs_arrive()
    {
        // A flood of AUTHs (unknown users cost the same hash as known ones) must not take every core: the derivations
        // queue, while a user whose password was verified before is answered from its digest without queueing.
        var spy = new ConcurrencySpy();
        var users = AuthenticationTests.Users().WithVerifier(new PasswordVerifier(spy));
        var attempts = Enumerable.Range(0, 16).Select(i => users.AuthenticateAsync($"nobody{i}", "guess"u8.ToArray())).ToArray();
        (await Task.WhenAll(attempts)).Should().OnlyContain(user => user == null);
        spy.Calls.Should().Be(16);
        spy.MostAtOnce.Should().Be(1);
    }

    private sealed class ConcurrencySpy : ISecretComparer
    {
        private int _now;
        private int _calls;
        private int _most;

        public int Calls => Volatile.Read(ref _calls);

        public int MostAtOnce => Volatile.Read(ref _most);

        public bool AreEqual(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
        {
            // Held for a while, so that derivations running at once would overlap here.
            var now = Interlocked.Increment(ref _now);
            Interlocked.Increment(ref _calls);
            int most;
            while (now > (most = Volatile.Read(ref _most)) && Interlocked.CompareExchange(ref _most, now, most) != most)
            {
            }

            Thread.Sleep(20);
            Interlocked.Decrement(ref _now);
            return FixedTimeSecretComparer.Instance.AreEqual(left, right);
        }
    }

    private sealed class SpyComparer : ISecretComparer
    {
        public List<(byte[] Left, byte[] Right)> Calls { get; } = [];

        public bool AreEqual(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
        {
            Calls.Add((left.ToArray(), right.ToArray()));
            return FixedTimeSecretComparer.Instance.AreEqual(left, right);
        }
    }
}
