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
        Hex.Parse("00 0009 00000001 6b"),
        Hex.Parse("00 0000 ffffffff"),
        Hex.Parse("01 0000 00000001 ffffffff"),
        Hex.Parse("01 0009 00000009 00000005 00000001 6b"),
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
                    sum += (int)status + command.FrameLength + command.Key.Length + command.Value.Length + (int)error.Code;
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
                    sum += CommandEncoder.Encode(destination, c.Version, c.Kind, c.RequestId, c.Key, c.Value);
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
                    sum += CommandEncoder.Encode(writer, c.Version, c.Kind, c.RequestId, c.Key, c.Value);
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
