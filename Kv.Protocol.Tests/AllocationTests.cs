using System.Buffers;
using Kv.Protocol.Tests.Support;

namespace Kv.Protocol.Tests;

/// <summary>
/// Parsing (spans and multi-segment sequences, valid and invalid input) and encoding (spans and a pre-sized,
/// reused <see cref="IBufferWriter{T}"/>) allocate nothing: measured over 10,000 rounds after a warm-up.
/// </summary>
[NonParallelizable]
public class AllocationTests
{
    private const int Rounds = 10_000;

    private static readonly byte[][] CommandInputs =
    [
        .. SampleFrames.Commands.Select(f => f.Bytes),
        Hex.Parse("07 0003 00000000"),
        Hex.Parse("00 00ff 00000001 6b"),
        Hex.Parse("00 0000 ffffffff"),
        Hex.Parse("01 0000 00000001 ffffffff"),
        Hex.Parse("01 00ff 00000009 00000005 00000001 6b"),
        Hex.Parse("01 0004 00000001 00000010 00000001 6b 00000001 76 0011 000003e8"),
        Hex.Parse("01 0005 00000001 00000010 00000001 6b 0010 000000000000ea60 00"),
        Hex.Parse("01 0000 00000001 00000006 00000001 6b 00"),
        Hex.Parse("01 0000 00000001 00000005 00000001"),
    ];

    private static readonly byte[][] ResponseInputs =
    [
        .. SampleFrames.Responses.Select(f => f.Bytes),
        Hex.Parse("00 05 00000000"),
        Hex.Parse("01 07 00000001 00000000"),
        Hex.Parse("01 01 00000001 00000001 00"),
        Hex.Parse("00 00 fffffffa"),
        Hex.Parse("01 00 00000001 00000005 00"),
    ];

    [Test]
    public void Parsing_commands_from_spans_allocates_nothing()
    {
        var inputs = CommandInputs;
        AssertAllocatesNothing(() =>
        {
            long sum = 0;
            for (var round = 0; round < Rounds; round++)
            {
                foreach (var input in inputs)
                {
                    var status = CommandParser.Default.TryParse(input, out var command, out var error);
                    sum += (int)status + command.FrameLength + command.Key.Length + command.Value.Length + command.Flags + command.Time + (int)error.Code;
                }
            }

            return sum;
        });
    }

    [Test]
    public void Parsing_commands_from_multi_segment_sequences_allocates_nothing()
    {
        var inputs = CommandInputs.SelectMany(b => new[] { Sequences.Cut(b, b.Length / 2), Sequences.OneBytePerSegment(b) }).ToArray();
        AssertAllocatesNothing(() =>
        {
            long sum = 0;
            for (var round = 0; round < Rounds; round++)
            {
                foreach (var input in inputs)
                {
                    var status = CommandParser.Default.TryParse(input, out var command, out var error);
                    sum += (int)status + command.FrameLength + command.Key.Length + command.Value.Length + (int)error.Code;
                }
            }

            return sum;
        });
    }

    [Test]
    public void Parsing_responses_from_spans_allocates_nothing()
    {
        var inputs = ResponseInputs;
        AssertAllocatesNothing(() =>
        {
            long sum = 0;
            for (var round = 0; round < Rounds; round++)
            {
                foreach (var input in inputs)
                {
                    var status = ResponseParser.Default.TryParse(input, out var response, out var error);
                    sum += (int)status + response.FrameLength + response.Payload.Length + (int)response.ErrorCode + (int)error.Code;
                }
            }

            return sum;
        });
    }

    [Test]
    public void Parsing_responses_from_multi_segment_sequences_allocates_nothing()
    {
        var inputs = ResponseInputs.SelectMany(b => new[] { Sequences.Cut(b, b.Length / 2), Sequences.OneBytePerSegment(b) }).ToArray();
        AssertAllocatesNothing(() =>
        {
            long sum = 0;
            for (var round = 0; round < Rounds; round++)
            {
                foreach (var input in inputs)
                {
                    var status = ResponseParser.Default.TryParse(input, out var response, out var error);
                    sum += (int)status + response.FrameLength + response.Payload.Length + (int)response.ErrorCode + (int)error.Code;
                }
            }

            return sum;
        });
    }

    [Test]
    public void Encoding_into_spans_allocates_nothing()
    {
        var commands = SampleFrames.Commands.Select(f => (Command)f.Message).ToArray();
        var responses = SampleFrames.Responses.Select(f => (Response)f.Message).ToArray();
        var destination = new byte[256];
        AssertAllocatesNothing(() =>
        {
            long sum = 0;
            for (var round = 0; round < Rounds; round++)
            {
                foreach (var c in commands)
                {
                    sum += CommandEncoder.Encode(destination, c.Version, c.Kind, c.RequestId, c.Key, c.Value, c.Flags, c.Time);
                    sum += CommandEncoder.Encode(destination, c);
                }

                foreach (var r in responses)
                {
                    sum += ResponseEncoder.Encode(destination, r.Version, r.Status, r.RequestId, r.Payload, r.ErrorCode);
                    sum += ResponseEncoder.Encode(destination, r);
                }
            }

            return sum;
        });
    }

    [Test]
    public void Encoding_into_a_reused_buffer_writer_allocates_nothing()
    {
        var commands = SampleFrames.Commands.Select(f => (Command)f.Message).ToArray();
        var responses = SampleFrames.Responses.Select(f => (Response)f.Message).ToArray();
        var writer = new ArrayBufferWriter<byte>(4096);
        AssertAllocatesNothing(() =>
        {
            long sum = 0;
            for (var round = 0; round < Rounds; round++)
            {
                writer.ResetWrittenCount();
                foreach (var c in commands)
                {
                    sum += CommandEncoder.Encode(writer, c.Version, c.Kind, c.RequestId, c.Key, c.Value, c.Flags, c.Time);
                    sum += CommandEncoder.Encode(writer, c);
                }

                foreach (var r in responses)
                {
                    sum += ResponseEncoder.Encode(writer, r.Version, r.Status, r.RequestId, r.Payload, r.ErrorCode);
                    sum += ResponseEncoder.Encode(writer, r);
                }

                sum += writer.WrittenCount;
            }

            return sum;
        });
    }

    [Test]
    public void Encoding_and_reading_the_expiry_replies_allocates_nothing()
    {
        var destination = new byte[256];
        var writer = new ArrayBufferWriter<byte>(4096);
        var previous = "previous"u8.ToArray();
        AssertAllocatesNothing(() =>
        {
            long sum = 0;
            for (var round = 0; round < Rounds; round++)
            {
                writer.ResetWrittenCount();
                var length = ResponseEncoder.EncodeSetReply(destination, ProtocolVersion.V1, 1, SetReplyFlags.Applied | SetReplyFlags.Existed, previous);
                sum += ResponseEncoder.EncodeSetReply(writer, ProtocolVersion.V1, 1, SetReplyFlags.Applied, default);
                ResponseParser.Default.TryParse(destination.AsSpan(0, length), out var setReply, out _);
                sum += setReply.TryReadSetReply(out var flags, out var value) ? (int)flags + value.Length : -1000;

                length = ResponseEncoder.EncodeAppliedReply(destination, ProtocolVersion.V1, 2, applied: true);
                sum += ResponseEncoder.EncodeAppliedReply(writer, ProtocolVersion.V1, 2, applied: false);
                ResponseParser.Default.TryParse(destination.AsSpan(0, length), out var appliedReply, out _);
                sum += appliedReply.TryReadApplied(out var applied) && applied ? 1 : -1000;

                length = ResponseEncoder.EncodeTimeToLiveReply(destination, ProtocolVersion.V1, 3, 59_998);
                sum += ResponseEncoder.EncodeTimeToLiveReply(writer, ProtocolVersion.V1, 3, ReplyFormat.NoExpiry);
                ResponseParser.Default.TryParse(destination.AsSpan(0, length), out var ttlReply, out _);
                sum += ttlReply.TryReadTimeToLive(out var left) ? left : -1000;
                sum += CommandOptions.Validate(CommandKind.SetX, 0x0003, 0)!.Length + (CommandOptions.IsValid(CommandKind.Expire, 0x0010, 5) ? 1 : 0);
            }

            return sum;
        });
    }

    /// <summary>
    /// Runs <paramref name="loop"/> twice to warm up (so that tiered compilation has settled), then once measured.
    /// The checksum keeps the work from being optimised away and must come out the same every time.
    /// </summary>
    private static void AssertAllocatesNothing(Func<long> loop)
    {
        var warm = loop();
        loop();

        var before = GC.GetAllocatedBytesForCurrentThread();
        var checksum = loop();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        allocated.Should().Be(0, "{0:N0} bytes were allocated", allocated);
        checksum.Should().Be(warm).And.BePositive();
    }
}
