using Kv.Protocol;
using Kv.Server.Commands;

namespace Kv.Server.Tests;

/// <summary>The server runs exactly the commands of the protocol's table, each from its own declaration.</summary>
public class CommandTableTests
{
    [Test]
    public void Every_command_of_the_protocol_has_exactly_one_server_command()
    {
        CommandDispatcher.Commands.Select(c => c.Spec).Should().BeEquivalentTo(CommandTable.All, o => o.WithStrictOrdering());
        CommandDispatcher.Commands.Select(c => c.Spec.Kind).Should().OnlyHaveUniqueItems();
    }

    [Test]
    public async Task Every_command_is_answered_over_a_socket_in_every_version_that_has_it()
    {
        await using var server = InProcessServer.Start();
        using var connection = await server.ConnectAsync();

        // The key exists first: a version-0 GET of a missing key is an ERROR by the reference's rules.
        await connection.ExecuteAsync(Command.Set("k", "v"));
        foreach (var spec in CommandTable.All)
        {
            foreach (var version in new[] { ProtocolVersion.V0, ProtocolVersion.V1 }.Where(v => v >= spec.Since))
            {
                // Valid options where a command needs some (EXPIRE: a kind of time), with a time far off.
                var (flags, time) = spec.Kind == CommandKind.Expire ? ((ushort)ExpireFlags.RelativeExpiry, 3_600_000L) : ((ushort)0, 0L);
                var command = new Command(spec.Kind, spec.HasKey ? "k"u8.ToArray() : [], spec.HasValue ? "v"u8.ToArray() : [], flags, time, version, version == ProtocolVersion.V1 ? 5u : 0u);
                var response = await connection.ExecuteAsync(command);
                response.Version.Should().Be(version);
                response.Status.Should().NotBe(ResponseStatus.Error, "{0} in version {1}", spec, version);
            }
        }
    }
}
