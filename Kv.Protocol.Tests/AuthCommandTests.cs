using Kv.Protocol.Tests.Support;

namespace Kv.Protocol.Tests;

/// <summary>AUTH (version 1): its declaration, its arguments in the key's and the value's places, and a password that is never printed.</summary>
public class AuthCommandTests
{
    [Test]
    public void Auth_is_command_10_of_version_1_with_a_user_and_a_password_and_writes_nothing()
    {
        var spec = CommandTable.Find(CommandKind.Auth);
        spec.Should().BeSameAs(CommandTable.Auth);
        ((ushort)CommandKind.Auth).Should().Be(0x000a);
        spec!.Name.Should().Be("AUTH");
        spec.Arguments.Should().Equal(ArgumentRole.User, ArgumentRole.Password);
        spec.IsWrite.Should().BeFalse();
        spec.Since.Should().Be(ProtocolVersion.V1);
        CommandTable.Find(CommandKind.Auth, ProtocolVersion.V0).Should().BeNull("version 0 cannot authenticate");
        spec.HasKey.Should().BeTrue("the user travels in the key's place");
        spec.HasValue.Should().BeTrue("the password travels in the value's place");
        spec.HasFlags.Should().BeFalse();
        spec.HasTime.Should().BeFalse();
    }

    [Test]
    public void A_parsed_auth_has_its_user_and_password_where_the_key_and_value_go()
    {
        var frame = Encode(Command.Auth("app", "secret", 30));
        CommandParser.Default.TryParse(frame, out var view, out _).Should().Be(ParseStatus.Complete);

        view.Kind.Should().Be(CommandKind.Auth);
        view.User.ToArray().Should().Equal("app"u8.ToArray());
        view.Password.ToArray().Should().Equal("secret"u8.ToArray());
        view.Key.ToArray().Should().Equal("app"u8.ToArray());
        view.Value.ToArray().Should().Equal("secret"u8.ToArray());
        view.ToCommand().Should().Be(Command.Auth("app", "secret", 30));
    }

    [Test]
    public void Auth_in_version_0_is_an_unknown_command()
    {
        Parse.Command(Hex.Parse("00 000a 00000001 61 00000001 62")).Should().Be(Outcome.Invalid(ProtocolErrorCode.UnknownCommand, 10));
    }

    [Test]
    public void The_password_never_appears_in_the_commands_text_nor_its_length()
    {
        var command = Command.Auth("app", "hunter2-secret", 7);
        var text = command.ToString();

        text.Should().NotContain("hunter2").And.NotContain("14").And.Contain("redacted");
        text.Should().Be("Auth v1 id=7 user[3] password[redacted]");
        CommandParser.Default.TryParse(Encode(command), out var view, out _).Should().Be(ParseStatus.Complete);
        view.ToCommand().ToString().Should().NotContain("hunter2");
    }

    [Test]
    public void The_new_error_codes_have_their_own_words()
    {
        new ProtocolError(ProtocolErrorCode.AuthenticationFailed, 0).ToString().Should().Be("authentication failed");
        new ProtocolError(ProtocolErrorCode.NotAuthenticated, 0).ToString().Should().Be("not authenticated");
        new ProtocolError(ProtocolErrorCode.PermissionDenied, 0).ToString().Should().Be("permission denied");
    }

    private static byte[] Encode(Command command)
    {
        var frame = new byte[CommandEncoder.GetEncodedLength(command.Version, command.Kind, command.Key.Length, command.Value.Length)];
        CommandEncoder.Encode(frame, command).Should().Be(frame.Length);
        return frame;
    }
}
