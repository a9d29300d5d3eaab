using System.Buffers;
using Kv.Protocol.Tests.Support;

namespace Kv.Protocol.Tests;

/// <summary>
/// Frames split across segments anywhere parse as if whole; every truncated frame is NeedMoreData; pipelined frames
/// parse one after another, however the bytes arrive.
/// </summary>
public class SplitAndTruncationTests
{
    private static readonly byte[] MiB = MakeMiB();

    private static IEnumerable<TestCaseData> Frames() => SampleFrames.AllCases();

    /// <summary>1 MiB frames of each version and direction, split at a few points only.</summary>
    private static IEnumerable<TestCaseData> LargeFrames()
    {
        yield return Large("v0 SET 1 MiB value", Command.Set([0x6b], MiB));
        yield return Large("v0 GET 1 MiB key", Command.Get(MiB));
        yield return Large("v1 SET 1 MiB key", Command.Set(MiB, [0x76], ProtocolVersion.V1, 7));
        yield return Large("v1 PING 1 MiB", Command.Ping(MiB, ProtocolVersion.V1, 8));
        yield return Large("v0 OK 1 MiB", Response.Ok(MiB));
        yield return Large("v1 OK 1 MiB", Response.Ok(MiB, ProtocolVersion.V1, 9));
        yield return Large("v1 ERROR 1 MiB", new Response(ResponseStatus.Error, MiB, ProtocolVersion.V1, 10, ProtocolErrorCode.ServerError));

        static TestCaseData Large(string name, object message) => new TestCaseData(message).SetArgDisplayNames(name);
    }

    [TestCaseSource(nameof(Frames))]
    public void Every_two_segment_split_parses_like_the_whole_frame(string name)
    {
        var frame = SampleFrames.Named(name);
        Parse.Frame(frame.IsRequest, frame.Bytes).Should().Be(frame.Whole);

        var failures = new List<string>();
        for (var at = 0; at <= frame.Bytes.Length; at++)
        {
            var outcome = Parse.Frame(frame.IsRequest, Sequences.Cut(frame.Bytes, at));
            if (outcome != frame.Whole)
            {
                failures.Add($"split at {at}: {outcome}");
            }
        }

        failures.Should().BeEmpty();
    }

    [TestCaseSource(nameof(Frames))]
    public void One_byte_per_segment_parses_like_the_whole_frame(string name)
    {
        var frame = SampleFrames.Named(name);

        Parse.Frame(frame.IsRequest, Sequences.OneBytePerSegment(frame.Bytes)).Should().Be(frame.Whole);

        // With empty segments between the bytes, and with the start of a next frame after it.
        var cuts = Enumerable.Range(0, frame.Bytes.Length + 1).SelectMany(i => new[] { i, i }).ToArray();
        Parse.Frame(frame.IsRequest, Sequences.Cut(frame.Bytes, cuts)).Should().Be(frame.Whole);
        Parse.Frame(frame.IsRequest, Sequences.OneBytePerSegment([.. frame.Bytes, .. frame.Bytes.AsSpan(0, 3)])).Should().Be(frame.Whole);
    }

    [TestCaseSource(nameof(LargeFrames))]
    public void A_1_MiB_frame_split_at_a_few_points_parses_like_the_whole_frame(object message)
    {
        var bytes = Reference.Encode(message);
        var isRequest = message is Command;
        var whole = Outcome.Complete(message, bytes.Length);

        Parse.Frame(isRequest, bytes).Should().Be(whole);
        foreach (var at in new[] { 0, 1, 2, 3, 5, 6, 7, 9, 10, 11, 13, 15, bytes.Length / 2, bytes.Length - 5, bytes.Length - 1, bytes.Length })
        {
            Parse.Frame(isRequest, Sequences.Cut(bytes, at)).Should().Be(whole, "split at {0}", at);
        }

        Parse.Frame(isRequest, Sequences.Chunks(bytes, 4096)).Should().Be(whole, "in 4 KiB segments");
        Parse.Frame(isRequest, Sequences.Chunks(bytes, 1000)).Should().Be(whole, "in 1000-byte segments");
    }

    [TestCaseSource(nameof(Frames))]
    public void Every_truncation_needs_more_data(string name)
    {
        var frame = SampleFrames.Named(name);

        var failures = new List<string>();
        for (var length = 0; length < frame.Bytes.Length; length++)
        {
            var prefix = frame.Bytes.AsSpan(0, length);
            Check("span", Parse.Frame(frame.IsRequest, prefix));
            Check("one segment", Parse.Frame(frame.IsRequest, new ReadOnlySequence<byte>(prefix.ToArray())));
            Check("two segments", Parse.Frame(frame.IsRequest, Sequences.Cut(prefix, length / 2)));
            Check("one byte per segment", Parse.Frame(frame.IsRequest, Sequences.OneBytePerSegment(prefix)));

            void Check(string how, Outcome outcome)
            {
                if (outcome != Outcome.NeedMoreData)
                {
                    failures.Add($"{length} bytes, {how}: {outcome}");
                }
            }
        }

        failures.Should().BeEmpty();
    }

    [TestCaseSource(nameof(LargeFrames))]
    public void Every_truncation_of_a_1_MiB_frame_needs_more_data(object message)
    {
        var bytes = Reference.Encode(message);
        var isRequest = message is Command;
        var sequence = Sequences.Chunks(bytes, 4096);

        var failures = new List<string>();
        for (var length = 0; length < bytes.Length; length++)
        {
            if (Parse.Frame(isRequest, bytes.AsSpan(0, length)) != Outcome.NeedMoreData)
            {
                failures.Add($"{length} bytes, span");
            }

            // Every prefix through the header and the first length prefixes, then a sample of the rest.
            if ((length < 64 || length % 4099 == 0 || length > bytes.Length - 8) && Parse.Frame(isRequest, sequence.Slice(0, length)) != Outcome.NeedMoreData)
            {
                failures.Add($"{length} bytes, sequence");
            }
        }

        failures.Should().BeEmpty();
    }

    [Test]
    public void Pipelined_commands_parse_one_after_another()
    {
        var frames = Pipeline(SampleFrames.Commands, Command.Set(MiB.AsSpan(0, 70_000).ToArray(), [1, 2, 3], ProtocolVersion.V1, 99));
        CheckPipeline(frames);
    }

    [Test]
    public void Pipelined_responses_parse_one_after_another()
    {
        var frames = Pipeline(SampleFrames.Responses, Response.Ok(MiB.AsSpan(0, 70_000).ToArray(), ProtocolVersion.V1, 99));
        CheckPipeline(frames);
    }

    /// <summary>The sample frames three times over, in a shuffled order, with one larger frame in the middle.</summary>
    private static List<SampleFrame> Pipeline(IReadOnlyList<SampleFrame> samples, object large)
    {
        var random = new Random(1234);
        var frames = Enumerable.Repeat(samples, 3).SelectMany(s => s).OrderBy(_ => random.Next()).ToList();
        frames.Insert(frames.Count / 2, new SampleFrame("large", large));
        return frames;
    }

    private static void CheckPipeline(List<SampleFrame> frames)
    {
        var isRequest = frames[0].IsRequest;
        var buffer = frames.SelectMany(f => f.Bytes).ToArray();
        var expected = frames.Select(f => f.Whole).ToList();

        // Through a span, slicing off each frame.
        var parsed = new List<Outcome>();
        var rest = buffer.AsSpan();
        while (!rest.IsEmpty)
        {
            var outcome = Parse.Frame(isRequest, rest);
            parsed.Add(outcome);
            if (outcome.Status != ParseStatus.Complete)
            {
                break;
            }

            rest = rest[outcome.FrameLength..];
        }

        parsed.Should().Equal(expected, "parsed through a span");
        Parse.Frame(isRequest, rest).Should().Be(Outcome.NeedMoreData, "nothing is left");

        // Through a sequence of odd-sized segments, slicing off each frame.
        foreach (var size in new[] { 1, 5, 4096 })
        {
            parsed.Clear();
            var sequence = Sequences.Chunks(buffer, size);
            while (!sequence.IsEmpty)
            {
                var outcome = Parse.Frame(isRequest, sequence);
                parsed.Add(outcome);
                if (outcome.Status != ParseStatus.Complete)
                {
                    break;
                }

                sequence = sequence.Slice(outcome.FrameLength);
            }

            parsed.Should().Equal(expected, "parsed through {0}-byte segments", size);
        }

        // As a receive loop would: bytes arrive in random-sized reads; every frame is parsed as soon as it is whole,
        // and until then the parser asks for more.
        parsed.Clear();
        var random = new Random(42);
        var received = 0;
        var consumed = 0;
        while (received < buffer.Length)
        {
            received = Math.Min(buffer.Length, received + random.Next(1, 40));
            while (true)
            {
                var outcome = Parse.Frame(isRequest, buffer.AsSpan(consumed, received - consumed));
                if (outcome.Status != ParseStatus.Complete)
                {
                    outcome.Should().Be(Outcome.NeedMoreData, "after {0} bytes received", received);
                    break;
                }

                parsed.Add(outcome);
                consumed += outcome.FrameLength;
            }
        }

        consumed.Should().Be(buffer.Length);
        parsed.Should().Equal(expected, "parsed as the bytes arrived");
    }

    private static byte[] MakeMiB()
    {
        var bytes = new byte[1 << 20];
        new Random(3).NextBytes(bytes);
        return bytes;
    }
}
