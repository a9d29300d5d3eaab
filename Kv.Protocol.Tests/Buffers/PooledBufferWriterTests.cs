using System.Buffers;
using Kv.Protocol.Buffers;

namespace Kv.Protocol.Tests.Buffers;

/// <summary>
/// <see cref="PooledBufferWriter"/>: encoders write into it across growth without losing a byte, and a reset gives an
/// oversized array back so that an idle connection keeps only its starting size.
/// </summary>
public class PooledBufferWriterTests
{
    [Test]
    public void Frames_encoded_past_the_starting_size_are_kept_whole_and_in_order()
    {
        using var writer = new PooledBufferWriter(16);
        var commands = Enumerable.Range(0, 200).Select(i => Command.Set($"key-{i}", new string('v', i % 50))).ToList();
        foreach (var command in commands)
        {
            CommandEncoder.Encode(writer, command);
        }

        var offset = 0;
        foreach (var command in commands)
        {
            CommandParser.Default.TryParse(writer.WrittenSpan[offset..], out var parsed, out _).Should().Be(ParseStatus.Complete);
            parsed.ToCommand().Should().Be(command);
            offset += parsed.FrameLength;
        }

        offset.Should().Be(writer.WrittenCount);
        writer.WrittenMemory.Length.Should().Be(writer.WrittenCount);
    }

    [Test]
    public void Reset_empties_it_and_shrinks_an_array_grown_past_four_times_the_starting_size()
    {
        using var writer = new PooledBufferWriter(1024);
        writer.GetSpan(10 * 1024);
        writer.Advance(10 * 1024);
        writer.Capacity.Should().BeGreaterThanOrEqualTo(10 * 1024);
        writer.Reset();
        writer.WrittenCount.Should().Be(0);
        writer.Capacity.Should().BeLessThan(4 * 1024);

        writer.GetSpan(2048);
        writer.Advance(2048);
        var kept = writer.Capacity;
        writer.Reset();
        writer.Capacity.Should().Be(kept, "a modest growth is kept for the next batch");
    }

    [Test]
    public void A_span_asked_for_again_before_Advance_is_the_same_memory_with_what_was_written_there()
    {
        // The server stages an answer this way (SETX with GET): encoded before the store says whether it stands, then
        // its result byte set and committed, or written over by an ERROR.
        using var writer = new PooledBufferWriter(16);
        writer.Write("before"u8);
        var first = writer.GetSpan(100);
        "staged answer"u8.CopyTo(first);

        var again = writer.GetSpan(100);
        again[.."staged answer"u8.Length].ToArray().Should().Equal("staged answer"u8.ToArray());
        again[0] = (byte)'S';
        writer.Advance("staged answer"u8.Length);
        writer.WrittenSpan.ToArray().Should().Equal("beforeStaged answer"u8.ToArray());

        writer.GetSpan(50)[..4].Fill((byte)'x');
        writer.Write("over"u8);
        writer.WrittenSpan.ToArray().Should().Equal("beforeStaged answerover"u8.ToArray(), "what was never committed is written over");
    }

    [Test]
    public void Advancing_past_the_span_throws()
    {
        using var writer = new PooledBufferWriter(16);
        var length = writer.GetSpan().Length;
        writer.Invoking(w => w.Advance(length + 1)).Should().Throw<ArgumentException>();
        writer.Invoking(w => w.Advance(-1)).Should().Throw<ArgumentOutOfRangeException>();
        writer.Invoking(w => w.GetSpan(-1)).Should().Throw<ArgumentOutOfRangeException>();
        writer.WrittenCount.Should().Be(0);
        FluentActions.Invoking(() => new PooledBufferWriter(0)).Should().Throw<ArgumentOutOfRangeException>();
    }
}
