using Kv.Server.Security;

namespace Kv.Server.Tests.Security;

/// <summary>The users file (<c>--users</c>): what it accepts, and a start-up error that names the line for what it does not.</summary>
public class UsersFileTests
{
    private static readonly string Hash = PasswordHash.Create("pw", PasswordHash.MinimumIterations).ToString();

    [Test]
    public void A_good_file_gives_each_user_their_permission_and_skips_comments_and_blank_lines()
    {
        var users = UserDirectory.Parse(["# comment", "", $"alice read {Hash}", $"  bob\treadwrite   {Hash}  ", $"carol admin {Hash}", "   # indented comment"], "users.txt");

        users.Names.Should().BeEquivalentTo("alice", "bob", "carol");
        users.Find("alice")!.Permission.Should().Be(Permission.Read);
        users.Find("bob")!.Permission.Should().Be(Permission.ReadWrite);
        users.Find("carol")!.Permission.Should().Be(Permission.Admin);
        users.Find("dave").Should().BeNull();
        users.Authenticate("bob", "pw"u8).Should().BeSameAs(users.Find("bob"));
        users.Authenticate("bob", "wrong"u8).Should().BeNull();
    }

    [TestCase("alice read", "line 2: expected 'name permission hash', found 2 field(s)")]
    [TestCase("alice superuser HASH", "line 2: unknown permission 'superuser' (read, readwrite or admin)")]
    [TestCase("alice read sha1$abc", "line 2: the hash must be pbkdf2-sha256$ITERATIONS$SALT$HASH")]
    [TestCase("alice read pbkdf2-sha256$10$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "line 2: the iteration count must be a whole number of at least 1000")]
    [TestCase("alice read pbkdf2-sha256$600000$not-base64!$AAAA", "line 2: the salt (8 bytes or more) and the hash (32 bytes) must be base64")]
    [TestCase("root admin HASH", "line 2: user 'root' appears twice")]
    public void A_bad_line_is_an_error_that_names_the_file_and_the_line(string line, string expected)
    {
        var act = () => UserDirectory.Parse([$"root admin {Hash}", line.Replace("HASH", Hash, StringComparison.Ordinal)], "users.txt");

        act.Should().Throw<ArgumentException>().Which.Message.Should().StartWith($"--users: users.txt, {expected}");
    }

    [Test]
    public void A_file_without_users_or_that_cannot_be_read_is_an_error()
    {
        FluentActions.Invoking(() => UserDirectory.Parse(["# nobody", ""], "empty.txt")).Should().Throw<ArgumentException>().WithMessage("*empty.txt has no users*");
        FluentActions.Invoking(() => UserDirectory.Load("/nonexistent/users.txt")).Should().Throw<ArgumentException>().WithMessage("--users: cannot read the users file /nonexistent/users.txt*");
    }

    [Test]
    public void A_file_is_read_from_disk()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(path, [$"alice readwrite {Hash}"]);
            UserDirectory.Load(path).Names.Should().Equal("alice");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void The_password_shortcut_is_one_admin_user_named_default_and_the_empty_name_means_it()
    {
        var users = UserDirectory.FromPassword("s3cret");

        users.Names.Should().Equal(UserDirectory.DefaultUser);
        users.Find("")!.Name.Should().Be(UserDirectory.DefaultUser);
        users.Find(UserDirectory.DefaultUser)!.Permission.Should().Be(Permission.Admin);
        users.Authenticate("", "s3cret"u8)!.Name.Should().Be("default");
        users.Authenticate("default", "wrong"u8).Should().BeNull();
        FluentActions.Invoking(() => UserDirectory.FromPassword("")).Should().Throw<ArgumentException>();
    }

    [Test]
    public void Permissions_are_bit_masks_over_command_numbers()
    {
        var read = Permissions.MaskOf(Permission.Read);
        foreach (var spec in Kv.Protocol.CommandTable.All)
        {
            var readable = spec.Kind is Kv.Protocol.CommandKind.Get or Kv.Protocol.CommandKind.Ttl or Kv.Protocol.CommandKind.Ping or Kv.Protocol.CommandKind.Auth;
            ((read & Permissions.Bit(spec.Kind)) != 0).Should().Be(readable, "{0} for read", spec);
            (Permissions.MaskOf(Permission.ReadWrite) & Permissions.Bit(spec.Kind)).Should().NotBe(0UL, "{0} for readwrite", spec);
        }

        Permissions.MaskOf(Permission.Admin).Should().Be(ulong.MaxValue, "admin includes commands added later");
    }
}
