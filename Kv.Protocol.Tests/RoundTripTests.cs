using System.Buffers;
using Kv.Protocol.Tests.Support;

namespace Kv.Protocol.Tests;

/// <summary>The kinds of key, value and message a round trip is tried with.</summary>
public enum Payload
{
    Empty,
    OneByte,

    /// <summary>Not UTF-8, with 00 and ff in it.</summary>
    Binary,
    OneMiB,
}

/// <summary>
/// Every command and every response, in both versions, with empty, one-byte, binary and 1 MiB keys, values and
/// messages: encoded through a span and through an <see cref="IBufferWriter{T}"/>, compared with an independent
/// encoding of the spec's layout, and parsed back through a span and through sequences.
/// </summary>
public class RoundTripTests
{
    private const int OneMiB = 1 << 20;
    private const byte Untouched = 0xee;

    private static readonly byte[] MiBKey = Random(OneMiB, seed: 1);
    private static readonly byte[] MiBValue = Random(OneMiB, seed: 2);

    private static IEnumerable<TestCaseData> CommandCases()
    {
        foreach (var version in Enum.GetValues<ProtocolVersion>())
        {
            foreach (var spec in CommandTable.All.Where(s => s.Since <= version))
            {
                var kind = spec.Kind;
                foreach (var key in spec.HasKey ? Enum.GetValues<Payload>() : [Payload.Empty])
                {
                    foreach (var value in spec.HasValue ? Enum.GetValues<Payload>() : [Payload.Empty])
                    {
                        yield return new TestCaseData(version, kind, key, value);
                    }
                }
            }
        }
    }

    private static IEnumerable<TestCaseData> ResponseCases()
    {
        foreach (var version in Enum.GetValues<ProtocolVersion>())
        {
            foreach (var status in Enum.GetValues<ResponseStatus>())
            {
                if (status == ResponseStatus.NotFound)
                {
                    if (version == ProtocolVersion.V1)
                    {
                        yield return new TestCaseData(version, status, Payload.Empty);
                    }

                    continue;
                }

                foreach (var payload in Enum.GetValues<Payload>())
                {
                    yield return new TestCaseData(version, status, payload);
                }
            }
        }
    }

    [TestCaseSource(nameof(CommandCases))]
    public void Command_round_trips(ProtocolVersion version, CommandKind kind, Payload keyKind, Payload valueKind)
    {
        var key = Bytes(keyKind, MiBKey, 0x6b);
        var value = Bytes(valueKind, MiBValue, 0x76);
        var requestId = version == ProtocolVersion.V1 ? 0xc0ffee01u : 0u;
        var spec = CommandTable.Find(kind)!;

        // Option bits and a time with every byte distinct, and a negative time, so that a byte out of place shows.
        ushort flags = spec.HasFlags ? (ushort)0xa55a : (ushort)0;
        var time = spec.HasTime ? unchecked((long)0xf1e2d3c4b5a69788) : 0;
        var command = new Command(kind, key, value, flags, time, version, requestId);
        var expected = Reference.Encode(command);

        var length = CommandEncoder.GetEncodedLength(version, kind, key.Length, value.Length);
        length.Should().Be(expected.Length);

        // Span: a destination larger than the frame; the bytes after it stay untouched.
        var destination = Filled(length + 3);
        CommandEncoder.Encode(destination, version, kind, requestId, key, value, flags, time).Should().Be(length);
        Support.Bytes.ShouldEqual(destination.AsSpan(0, length), expected, "span encoding");
        destination.AsSpan(length).ToArray().Should().OnlyContain(b => b == Untouched);

        // IBufferWriter, after bytes already written (as when pipelining).
        var writer = new ArrayBufferWriter<byte>(16);
        writer.Write<byte>([0xab]);
        CommandEncoder.Encode(writer, version, kind, requestId, key, value, flags, time).Should().Be(length);
        Support.Bytes.ShouldEqual(writer.WrittenSpan, [0xab, .. expected], "IBufferWriter encoding");

        // The owned-command overloads.
        var owned = new byte[length];
        CommandEncoder.Encode(owned, command).Should().Be(length);
        Support.Bytes.ShouldEqual(owned, expected, "span encoding of a Command");
        var ownedWriter = new ArrayBufferWriter<byte>();
        CommandEncoder.Encode(ownedWriter, command).Should().Be(length);
        Support.Bytes.ShouldEqual(ownedWriter.WrittenSpan, expected, "IBufferWriter encoding of a Command");

        // Span parse, followed by the start of another frame: the views are slices of the input, not copies.
        byte[] input = [.. expected, (byte)version, 0x00];
        CommandParser.Default.TryParse(input, out var view, out var error).Should().Be(ParseStatus.Complete);
        error.Code.Should().Be(ProtocolErrorCode.None);
        view.FrameLength.Should().Be(length);
        view.Version.Should().Be(version);
        view.Kind.Should().Be(kind);
        view.RequestId.Should().Be(requestId);
        Support.Bytes.ShouldEqual(view.Key, key, "parsed key");
        Support.Bytes.ShouldEqual(view.Value, value, "parsed value");
        view.Flags.Should().Be(flags);
        view.Time.Should().Be(time);
        Support.Bytes.IsSliceOf(view.Key, input).Should().BeTrue("the key is a slice of the input");
        Support.Bytes.IsSliceOf(view.Value, input).Should().BeTrue("the value is a slice of the input");
        view.ToCommand().Should().Be(command);

        // Sequence parse: one segment, and cut into several (including inside the header and the strings).
        var whole = Outcome.Complete(command, length);
        Parse.Command(new ReadOnlySequence<byte>(input)).Should().Be(whole);
        Parse.Command(Sequences.Cut(input, 1, 5, input.Length / 2, input.Length - 1)).Should().Be(whole);
        Parse.Command(Sequences.Chunks(input, 64 * 1024 + 3)).Should().Be(whole);
    }

    [TestCaseSource(nameof(ResponseCases))]
    public void Response_round_trips(ProtocolVersion version, ResponseStatus status, Payload payloadKind)
    {
        var payload = Bytes(payloadKind, MiBValue, 0x76);
        var requestId = version == ProtocolVersion.V1 ? 0x80000001u : 0u;
        var errorCode = version == ProtocolVersion.V1 && status == ResponseStatus.Error ? ProtocolErrorCode.StringTooLarge : ProtocolErrorCode.None;
        var response = new Response(status, payload, version, requestId, errorCode);
        var expected = Reference.Encode(response);

        var length = ResponseEncoder.GetEncodedLength(version, status, payload.Length);
        length.Should().Be(expected.Length);

        var destination = Filled(length + 3);
        ResponseEncoder.Encode(destination, version, status, requestId, payload, errorCode).Should().Be(length);
        Support.Bytes.ShouldEqual(destination.AsSpan(0, length), expected, "span encoding");
        destination.AsSpan(length).ToArray().Should().OnlyContain(b => b == Untouched);

        var writer = new ArrayBufferWriter<byte>(16);
        writer.Write<byte>([0xab]);
        ResponseEncoder.Encode(writer, version, status, requestId, payload, errorCode).Should().Be(length);
        Support.Bytes.ShouldEqual(writer.WrittenSpan, [0xab, .. expected], "IBufferWriter encoding");

        var owned = new byte[length];
        ResponseEncoder.Encode(owned, response).Should().Be(length);
        Support.Bytes.ShouldEqual(owned, expected, "span encoding of a Response");
        var ownedWriter = new ArrayBufferWriter<byte>();
        ResponseEncoder.Encode(ownedWriter, response).Should().Be(length);
        Support.Bytes.ShouldEqual(ownedWriter.WrittenSpan, expected, "IBufferWriter encoding of a Response");

        byte[] input = [.. expected, (byte)version];
        ResponseParser.Default.TryParse(input, out var view, out var error).Should().Be(ParseStatus.Complete);
        error.Code.Should().Be(ProtocolErrorCode.None);
        view.FrameLength.Should().Be(length);
        view.Version.Should().Be(version);
        view.Status.Should().Be(status);
        view.RequestId.Should().Be(requestId);
        view.ErrorCode.Should().Be(errorCode);
        Support.Bytes.ShouldEqual(view.Payload, payload, "parsed payload");
        Support.Bytes.IsSliceOf(view.Payload, input).Should().BeTrue("the payload is a slice of the input");
        view.ToResponse().Should().Be(response);

        var whole = Outcome.Complete(response, length);
        Parse.Response(new ReadOnlySequence<byte>(input)).Should().Be(whole);
        Parse.Response(Sequences.Cut(input, 1, 5, input.Length / 2, input.Length - 1)).Should().Be(whole);
        Parse.Response(Sequences.Chunks(input, 64 * 1024 + 3)).Should().Be(whole);
    }

    [Test]
    public void Version_0_ignores_the_request_id_and_parses_it_as_0()
    {
        var destination = new byte[16];
        var written = CommandEncoder.Encode(destination, ProtocolVersion.V0, CommandKind.Get, 12345, "k"u8, []);

        Hex.Format(destination.AsSpan(0, written)).Should().Be("00000000000001" + "6b");
        CommandParser.Default.TryParse(destination.AsSpan(0, written), out var view, out _).Should().Be(ParseStatus.Complete);
        view.RequestId.Should().Be(0);
    }

    private static byte[] Bytes(Payload kind, byte[] mib, byte one) => kind switch
    {
        Payload.Empty => [],
        Payload.OneByte => [one],
        Payload.Binary => [0x00, 0xff, one, 0x80, 0xc3, 0x28, 0xfe, 0x00],
        Payload.OneMiB => mib,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static byte[] Filled(int length)
    {
        var bytes = new byte[length];
        bytes.AsSpan().Fill(Untouched);
        return bytes;
    }

    private static byte[] Random(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        bytes[0] = 0x00;
        bytes[1] = 0xff;
        bytes[^1] = 0x00;
        return bytes;
    }
}
