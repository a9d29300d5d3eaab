using Kv.Protocol;
using Kv.Protocol.Buffers;

namespace Kv.Protocol.Samples;

/// <summary>The sample of Kv.Protocol's README, between the markers, as the README shows it.</summary>
public static class ReadmeSample
{
    /// <summary>Encodes a SET and parses it back.</summary>
    public static ParseStatus Run()
    {
        // README begin
        using var writer = new PooledBufferWriter();
        CommandEncoder.Encode(writer, ProtocolVersion.V1, CommandKind.Set, requestId: 1, "key"u8, "value"u8);

        var status = CommandParser.Default.TryParse(writer.WrittenSpan, out CommandView command, out ProtocolError error);
        // status == ParseStatus.Complete; command.Key and command.Value are slices of the input.
        // README end
        return command.Key.Length > 0 && error.Code == ProtocolErrorCode.None ? status : ParseStatus.Invalid;
    }
}
