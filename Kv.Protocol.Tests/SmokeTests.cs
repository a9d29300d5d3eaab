using Kv.Protocol;

namespace Kv.Protocol.Tests;

public class SmokeTests
{
    [Test]
    public void Set_round_trips_in_both_versions([Values] ProtocolVersion version)
    {
        var buffer = new byte[64];
        var written = CommandEncoder.Encode(buffer, version, CommandKind.Set, 7, "key"u8, "value"u8);

        var status = CommandParser.Default.TryParse(buffer.AsSpan(0, written), out var command, out _);

        status.Should().Be(ParseStatus.Complete);
        command.FrameLength.Should().Be(written);
        command.Key.ToArray().Should().Equal("key"u8.ToArray());
        command.Value.ToArray().Should().Equal("value"u8.ToArray());
        command.RequestId.Should().Be(version == ProtocolVersion.V1 ? 7u : 0u);
    }
}
