using Kv.Protocol.Buffers;
using Kv.Protocol.Tests.Support;

namespace Kv.Protocol.Tests.Buffers;

/// <summary>
/// <see cref="ReceiveBuffer"/> as a connection drives it: receive into the free space, parse, consume; frames
/// arriving in pieces of every size come out whole, the buffer grows only for a frame that needs it, never past the
/// frame limit plus its starting size, and shrinks back once it empties.
/// </summary>
public class ReceiveBufferTests
{
    [TestCase(1)]
    [TestCase(7)]
    [TestCase(64)]
    [TestCase(1000)]
    public void Frames_received_in_pieces_of_any_size_parse_back_in_order(int pieceSize)
    {
        // Every spec sample, then a SET larger than the buffer's starting size, then the samples again.
        var frames = SampleFrames.Commands.Select(f => f.Bytes)
            .Append(CommandEncoderBytes(Command.Set(new byte[100], new byte[300], ProtocolVersion.V1, 9)))
            .Concat(SampleFrames.Commands.Select(f => f.Bytes))
            .ToList();
        var stream = frames.SelectMany(f => f).ToArray();
        using var buffer = new ReceiveBuffer(64, ProtocolLimits.DefaultMaxFrameBytes);
        var parsed = new List<byte[]>();
        for (var offset = 0; offset < stream.Length;)
        {
            var free = buffer.GetFreeSpace();
            free.Length.Should().BePositive();
            var piece = Math.Min(Math.Min(pieceSize, free.Length), stream.Length - offset);
            stream.AsSpan(offset, piece).CopyTo(free.Span);
            buffer.Commit(piece);
            offset += piece;
            while (CommandParser.Default.TryParse(buffer.Unparsed, out var command, out _) == ParseStatus.Complete)
            {
                parsed.Add(buffer.Unparsed[..command.FrameLength].ToArray());
                buffer.Consume(command.FrameLength);
            }
        }

        parsed.Should().HaveCount(frames.Count);
        for (var i = 0; i < frames.Count; i++)
        {
            parsed[i].Should().Equal(frames[i], "frame {0}", i);
        }

        buffer.Length.Should().Be(0);
        buffer.Capacity.Should().BeLessThan(64 * 4 + 1, "it shrank back once the large frame was consumed");
    }

    [Test]
    public void It_grows_to_hold_a_frame_of_the_limit_and_no_further()
    {
        const int Limit = 4096;
        using var buffer = new ReceiveBuffer(16, Limit);
        var received = 0;
        while (true)
        {
            Memory<byte> free;
            try
            {
                free = buffer.GetFreeSpace();
            }
            catch (InvalidOperationException e)
            {
                e.Message.Should().Contain("without a whole frame");
                break;
            }

            buffer.Commit(free.Length);
            received += free.Length;
            received.Should().BeLessThanOrEqualTo(2 * (Limit + 16), "growth is bounded by the frame limit plus the starting size");
        }

        received.Should().BeGreaterThanOrEqualTo(Limit, "a frame of the limit fits");
    }

    [Test]
    public void Consumed_bytes_make_room_at_the_front_before_the_buffer_grows()
    {
        using var buffer = new ReceiveBuffer(16, 1 << 20);
        var capacity = buffer.Capacity;
        buffer.Commit(buffer.GetFreeSpace().Length);
        buffer.Consume(capacity - 3);
        var free = buffer.GetFreeSpace();
        buffer.Capacity.Should().Be(capacity, "the 3 unparsed bytes moved to the front instead");
        free.Length.Should().Be(capacity - 3);
        buffer.Length.Should().Be(3);
    }

    [Test]
    public void Committing_or_consuming_more_than_there_is_throws()
    {
        using var buffer = new ReceiveBuffer(16, 1024);
        var free = buffer.GetFreeSpace().Length;
        buffer.Invoking(b => b.Commit(free + 1)).Should().Throw<ArgumentOutOfRangeException>();
        buffer.Commit(5);
        buffer.Invoking(b => b.Consume(6)).Should().Throw<ArgumentOutOfRangeException>();
        buffer.Invoking(b => b.Consume(-1)).Should().Throw<ArgumentOutOfRangeException>();
        buffer.Length.Should().Be(5);
        FluentActions.Invoking(() => new ReceiveBuffer(0, 1024)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => new ReceiveBuffer(16, 0)).Should().Throw<ArgumentOutOfRangeException>();
    }

    private static byte[] CommandEncoderBytes(Command command)
    {
        using var writer = new PooledBufferWriter(8);
        CommandEncoder.Encode(writer, command);
        return writer.WrittenSpan.ToArray();
    }
}
