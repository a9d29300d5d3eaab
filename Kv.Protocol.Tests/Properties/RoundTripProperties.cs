using System.Buffers;
using CsCheck;
using Kv.Protocol.Tests.Support;

namespace Kv.Protocol.Tests.Properties;

/// <summary>
/// Round-trip properties, with CsCheck, for every encoder and parser: any command or response encodes (through a span
/// and through a buffer writer) to exactly <c>GetEncodedLength</c> bytes, and parses back to the same value through a
/// span, through a sequence cut at random points, and with unrelated bytes after it; every strict prefix of it is
/// <see cref="ParseStatus.NeedMoreData"/>; and a stream of many frames parses back frame by frame.
/// </summary>
public class RoundTripProperties
{
    private static readonly Gen<byte[]> Bytes = Gen.Frequency(
        (2, Gen.Const(Array.Empty<byte>())),
        (8, Gen.Byte.Array[1, 40]),
        (1, Gen.Byte.Array[41, 3000]));

    private static readonly Gen<ProtocolVersion> Version = Gen.OneOf(ProtocolVersion.V0, ProtocolVersion.V1);

    /// <summary>Times: any i64, often one at an edge (0, -1, the extremes), which two's complement must carry exactly.</summary>
    private static readonly Gen<long> Time = Gen.Frequency((3, Gen.Long), (1, Gen.OneOf(0L, -1L, 1L, long.MinValue, long.MaxValue)));

    /// <summary>Any command of the table, in a version that has it, with the arguments its spec declares (flags and times any value: the codec does not judge them).</summary>
    private static readonly Gen<Command> AnyCommand =
        Gen.Select(Gen.OneOf([.. CommandTable.All]), Version, Gen.UInt, Bytes, Bytes, Gen.UShort, Time, (spec, requested, id, key, value, flags, time) =>
        {
            var version = requested < spec.Since ? spec.Since : requested;
            return new Command(spec.Kind, spec.HasKey ? key : [], spec.HasValue ? value : [], spec.HasFlags ? flags : (ushort)0,
                spec.HasTime ? time : 0, version, version == ProtocolVersion.V1 ? id : 0);
        });

    private static readonly Gen<Response> AnyResponse =
        Gen.Select(Version, Gen.Int[0, 2], Gen.UInt, Bytes, Gen.UShort, (version, status, id, payload, code) => version == ProtocolVersion.V0
            ? new Response(status == 0 ? ResponseStatus.Ok : ResponseStatus.Error, payload)
            : status switch
            {
                0 => Response.Ok(payload, ProtocolVersion.V1, id),
                1 => new Response(ResponseStatus.Error, payload, ProtocolVersion.V1, id, (ProtocolErrorCode)code),
                _ => Response.NotFound(id),
            });

    /// <summary>Cut points for a sequence: a few offsets in [0, 1], scaled to the frame's length.</summary>
    private static readonly Gen<double[]> Cuts = Gen.Double[0, 1].Array[0, 5];

    [Test]
    public void Any_command_round_trips_through_span_writer_sequence_and_prefixes() =>
        Gen.Select(AnyCommand, Cuts, Gen.Byte.Array[0, 16]).Sample((command, cuts, trailing) =>
        {
            var length = CommandEncoder.GetEncodedLength(command.Version, command.Kind, command.Key.Length, command.Value.Length);
            var encoded = new byte[length];
            CommandEncoder.Encode(encoded, command).Should().Be(length);
            var writer = new ArrayBufferWriter<byte>();
            CommandEncoder.Encode(writer, command).Should().Be(length);
            writer.WrittenSpan.ToArray().Should().Equal(encoded);

            Parse(encoded).Should().Be(command);
            Parse([.. encoded, .. trailing]).Should().Be(command, "bytes after a frame are not part of it");
            var sequence = Sequences.Cut(encoded, cuts.Select(c => (int)(c * length)).ToArray());
            CommandParser.Default.TryParse(sequence, out var fromSequence, out _).Should().Be(ParseStatus.Complete);
            fromSequence.ToCommand().Should().Be(command);
            fromSequence.FrameLength.Should().Be(length);
            for (var prefix = 0; prefix < length; prefix += Math.Max(1, length / 64))
            {
                CommandParser.Default.TryParse(encoded.AsSpan(0, prefix), out _, out _).Should().Be(ParseStatus.NeedMoreData);
            }
        }, iter: 2000);

    [Test]
    public void Any_response_round_trips_through_span_writer_sequence_and_prefixes() =>
        Gen.Select(AnyResponse, Cuts, Gen.Byte.Array[0, 16]).Sample((response, cuts, trailing) =>
        {
            var length = ResponseEncoder.GetEncodedLength(response.Version, response.Status, response.Payload.Length);
            var encoded = new byte[length];
            ResponseEncoder.Encode(encoded, response).Should().Be(length);
            var writer = new ArrayBufferWriter<byte>();
            ResponseEncoder.Encode(writer, response).Should().Be(length);
            writer.WrittenSpan.ToArray().Should().Equal(encoded);

            Parse(encoded, out int frame).Should().Be(response);
            frame.Should().Be(length);
            Parse([.. encoded, .. trailing], out _).Should().Be(response, "bytes after a frame are not part of it");
            var sequence = Sequences.Cut(encoded, cuts.Select(c => (int)(c * length)).ToArray());
            ResponseParser.Default.TryParse(sequence, out var fromSequence, out _).Should().Be(ParseStatus.Complete);
            fromSequence.ToResponse().Should().Be(response);
            for (var prefix = 0; prefix < length; prefix += Math.Max(1, length / 64))
            {
                ResponseParser.Default.TryParse(encoded.AsSpan(0, prefix), out _, out _).Should().Be(ParseStatus.NeedMoreData);
            }
        }, iter: 2000);

    [Test]
    public void A_stream_of_commands_and_one_of_responses_parse_back_frame_by_frame() =>
        Gen.Select(AnyCommand.List[0, 20], AnyResponse.List[0, 20]).Sample((commands, responses) =>
        {
            var writer = new ArrayBufferWriter<byte>();
            commands.ForEach(c => CommandEncoder.Encode(writer, c));
            var parsedCommands = new List<Command>();
            var input = writer.WrittenSpan;
            while (CommandParser.Default.TryParse(input, out var view, out _) == ParseStatus.Complete)
            {
                parsedCommands.Add(view.ToCommand());
                input = input.Slice(view.FrameLength);
            }

            input.Length.Should().Be(0);
            parsedCommands.Should().Equal(commands);

            writer.Clear();
            responses.ForEach(r => ResponseEncoder.Encode(writer, r));
            var parsedResponses = new List<Response>();
            input = writer.WrittenSpan;
            while (ResponseParser.Default.TryParse(input, out var view, out _) == ParseStatus.Complete)
            {
                parsedResponses.Add(view.ToResponse());
                input = input.Slice(view.FrameLength);
            }

            input.Length.Should().Be(0);
            parsedResponses.Should().Equal(responses);
        }, iter: 500);

    private static Command Parse(ReadOnlySpan<byte> input)
    {
        CommandParser.Default.TryParse(input, out var command, out var error).Should().Be(ParseStatus.Complete, error.ToString());
        return command.ToCommand();
    }

    private static Response Parse(ReadOnlySpan<byte> input, out int frameLength)
    {
        ResponseParser.Default.TryParse(input, out var response, out var error).Should().Be(ParseStatus.Complete, error.ToString());
        frameLength = response.FrameLength;
        return response.ToResponse();
    }
}
