using System.Buffers;

namespace Kv.Protocol.Tests;

/// <summary>
/// The encoders refuse arguments that do not fit the protocol (they are programming errors, not input) with an
/// <see cref="ArgumentException"/>, before writing anything; and they write into an <see cref="IBufferWriter{T}"/>
/// with one GetSpan and one Advance.
/// </summary>
public class EncoderTests
{
    private static readonly byte[] K = [0x6b];

    private static IEnumerable<TestCaseData> BadCommands()
    {
        foreach (var version in Enum.GetValues<ProtocolVersion>())
        {
            yield return Bad($"{version} unknown command 11", version, (CommandKind)11, K, []);
            yield return Bad($"{version} unknown command 0xffff", version, (CommandKind)0xffff, K, []);
            yield return Bad($"{version} key on PING", version, CommandKind.Ping, K, []);
            yield return Bad($"{version} value on GET", version, CommandKind.Get, K, K);
            yield return Bad($"{version} value on CLEAR", version, CommandKind.Clear, K, K);
            yield return Bad($"{version} value on EXPIRE", version, CommandKind.Expire, K, K);
            yield return Bad($"{version} value on GETDEL", version, CommandKind.GetDel, K, K);
        }

        // The expiry commands exist from version 1.
        yield return Bad("SETX in version 0", ProtocolVersion.V0, CommandKind.SetX, K, K);
        yield return Bad("TTL in version 0", ProtocolVersion.V0, CommandKind.Ttl, K, []);

        yield return Bad("unsupported version 2", (ProtocolVersion)2, CommandKind.Get, K, []);
        yield return Bad("unsupported version 255", (ProtocolVersion)255, CommandKind.Set, K, K);

        static TestCaseData Bad(string name, ProtocolVersion version, CommandKind kind, byte[] key, byte[] value) =>
            new TestCaseData(version, kind, key, value).SetArgDisplayNames(name);
    }

    private static IEnumerable<TestCaseData> BadResponses()
    {
        yield return Bad("unsupported version 2", (ProtocolVersion)2, ResponseStatus.Ok, []);
        yield return Bad("unsupported version 255", (ProtocolVersion)255, ResponseStatus.Error, K);
        yield return Bad("v0 unknown status 3", ProtocolVersion.V0, (ResponseStatus)3, []);
        yield return Bad("v1 unknown status 3", ProtocolVersion.V1, (ResponseStatus)3, []);
        yield return Bad("v1 unknown status 255", ProtocolVersion.V1, (ResponseStatus)255, K);
        yield return Bad("NOT_FOUND in v0", ProtocolVersion.V0, ResponseStatus.NotFound, []);
        yield return Bad("NOT_FOUND with a payload", ProtocolVersion.V1, ResponseStatus.NotFound, K);

        static TestCaseData Bad(string name, ProtocolVersion version, ResponseStatus status, byte[] payload) =>
            new TestCaseData(version, status, payload).SetArgDisplayNames(name);
    }

    private static IEnumerable<TestCaseData> GoodCommands() =>
        from version in Enum.GetValues<ProtocolVersion>()
        from spec in CommandTable.All
        where spec.Since <= version
        select new TestCaseData(version, spec.Kind).SetArgDisplayNames($"{version} {spec.Kind}");

    private static IEnumerable<TestCaseData> CommandsWithoutOptions() =>
        from spec in CommandTable.All
        where !spec.HasFlags
        select new TestCaseData(spec.Kind).SetArgDisplayNames(spec.Name);

    private static IEnumerable<TestCaseData> GoodResponses() =>
        from version in Enum.GetValues<ProtocolVersion>()
        from status in Enum.GetValues<ResponseStatus>()
        where version == ProtocolVersion.V1 || status != ResponseStatus.NotFound
        select new TestCaseData(version, status).SetArgDisplayNames($"{version} {status}");

    [TestCaseSource(nameof(BadCommands))]
    public void Commands_that_do_not_fit_the_protocol_are_refused(ProtocolVersion version, CommandKind kind, byte[] key, byte[] value)
    {
        var destination = new byte[64];
        var writer = new CountingWriter();

        FluentActions.Invoking(() => CommandEncoder.GetEncodedLength(version, kind, key.Length, value.Length)).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => CommandEncoder.Encode(destination, version, kind, 1, key, value)).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => CommandEncoder.Encode(destination, new Command(kind, key, value, version, 1))).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => CommandEncoder.Encode(writer, version, kind, 1, key, value)).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => CommandEncoder.Encode(writer, new Command(kind, key, value, version, 1))).Should().Throw<ArgumentException>();

        destination.Should().Equal(new byte[destination.Length], "nothing is written");
        writer.GetSpanCalls.Should().Be(0, "nothing is asked of the writer");
        writer.Written.Should().Be(0);
    }

    [TestCaseSource(nameof(BadResponses))]
    public void Responses_that_do_not_fit_the_protocol_are_refused(ProtocolVersion version, ResponseStatus status, byte[] payload)
    {
        var destination = new byte[64];
        var writer = new CountingWriter();

        FluentActions.Invoking(() => ResponseEncoder.GetEncodedLength(version, status, payload.Length)).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => ResponseEncoder.Encode(destination, version, status, 1, payload)).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => ResponseEncoder.Encode(destination, new Response(status, payload, version, 1))).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => ResponseEncoder.Encode(writer, version, status, 1, payload)).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => ResponseEncoder.Encode(writer, new Response(status, payload, version, 1))).Should().Throw<ArgumentException>();

        destination.Should().Equal(new byte[destination.Length], "nothing is written");
        writer.GetSpanCalls.Should().Be(0, "nothing is asked of the writer");
    }

    [TestCaseSource(nameof(CommandsWithoutOptions))]
    public void Flags_or_a_time_on_a_command_that_has_neither_are_refused(CommandKind kind)
    {
        var spec = CommandTable.Find(kind)!;
        byte[] key = spec.HasKey ? K : [];
        byte[] value = spec.HasValue ? K : [];
        var destination = new byte[64];
        var writer = new CountingWriter();

        FluentActions.Invoking(() => CommandEncoder.Encode(destination, ProtocolVersion.V1, kind, 1, key, value, 1, 0)).Should().Throw<ArgumentException>().Which.ParamName.Should().Be("flags");
        FluentActions.Invoking(() => CommandEncoder.Encode(destination, ProtocolVersion.V1, kind, 1, key, value, 0, -1)).Should().Throw<ArgumentException>().Which.ParamName.Should().Be("time");
        FluentActions.Invoking(() => CommandEncoder.Encode(writer, new Command(kind, key, value, 0x8000, 0))).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => CommandEncoder.Encode(writer, new Command(kind, key, value, 0, long.MaxValue))).Should().Throw<ArgumentException>();

        destination.Should().Equal(new byte[destination.Length], "nothing is written");
        writer.GetSpanCalls.Should().Be(0, "nothing is asked of the writer");
    }

    [Test]
    public void Flags_and_times_are_encoded_as_given_even_when_the_server_would_refuse_them()
    {
        // Judging options is the server's part (CommandOptions.Validate): a client can send any bits and any time.
        var command = Command.SetX("k", "v", (SetFlags)0xffff, long.MinValue, 3);
        var bytes = new byte[CommandEncoder.GetEncodedLength(ProtocolVersion.V1, CommandKind.SetX, 1, 1)];
        CommandEncoder.Encode(bytes, command).Should().Be(bytes.Length);

        Support.Hex.Format(bytes).Should().Be(Support.Hex.Format(Support.Hex.Parse("01 0004 00000003 00000014 00000001 6b 00000001 76 ffff 8000000000000000")));
        CommandOptions.IsValid(command.Kind, command.Flags, command.Time).Should().BeFalse();
    }

    [TestCaseSource(nameof(GoodCommands))]
    public void A_command_needs_a_destination_of_its_full_length(ProtocolVersion version, CommandKind kind)
    {
        byte[] key = CommandTable.Find(kind)!.HasKey ? [1, 2] : [];
        byte[] value = CommandTable.Find(kind)!.HasValue ? [3] : [];
        var length = CommandEncoder.GetEncodedLength(version, kind, key.Length, value.Length);

        foreach (var size in new[] { 0, 1, length - 1 })
        {
            var destination = new byte[size];
            FluentActions.Invoking(() => CommandEncoder.Encode(destination, version, kind, 1, key, value))
                .Should().Throw<ArgumentException>().Which.ParamName.Should().Be("destination");
            destination.Should().Equal(new byte[destination.Length], "nothing is written to a destination of {0} bytes", size);
        }

        CommandEncoder.Encode(new byte[length], version, kind, 1, key, value).Should().Be(length);
    }

    [TestCaseSource(nameof(GoodResponses))]
    public void A_response_needs_a_destination_of_its_full_length(ProtocolVersion version, ResponseStatus status)
    {
        byte[] payload = status == ResponseStatus.NotFound ? [] : [1, 2];
        var length = ResponseEncoder.GetEncodedLength(version, status, payload.Length);

        foreach (var size in new[] { 0, 1, length - 1 })
        {
            var destination = new byte[size];
            FluentActions.Invoking(() => ResponseEncoder.Encode(destination, version, status, 1, payload, ProtocolErrorCode.ServerError))
                .Should().Throw<ArgumentException>().Which.ParamName.Should().Be("destination");
            destination.Should().Equal(new byte[destination.Length], "nothing is written to a destination of {0} bytes", size);
        }

        ResponseEncoder.Encode(new byte[length], version, status, 1, payload, ProtocolErrorCode.ServerError).Should().Be(length);
    }

    [TestCaseSource(nameof(GoodCommands))]
    public void A_command_is_written_with_one_GetSpan_and_one_Advance(ProtocolVersion version, CommandKind kind)
    {
        byte[] key = CommandTable.Find(kind)!.HasKey ? [1, 2] : [];
        byte[] value = CommandTable.Find(kind)!.HasValue ? [3] : [];
        var length = CommandEncoder.GetEncodedLength(version, kind, key.Length, value.Length);
        var writer = new CountingWriter();

        CommandEncoder.Encode(writer, version, kind, 1, key, value).Should().Be(length);

        writer.GetSpanCalls.Should().Be(1);
        writer.LastSizeHint.Should().Be(length);
        writer.AdvanceCalls.Should().Be(1);
        writer.Written.Should().Be(length);
    }

    [TestCaseSource(nameof(GoodResponses))]
    public void A_response_is_written_with_one_GetSpan_and_one_Advance(ProtocolVersion version, ResponseStatus status)
    {
        byte[] payload = status == ResponseStatus.NotFound ? [] : [1, 2];
        var length = ResponseEncoder.GetEncodedLength(version, status, payload.Length);
        var writer = new CountingWriter();

        ResponseEncoder.Encode(writer, version, status, 1, payload).Should().Be(length);

        writer.GetSpanCalls.Should().Be(1);
        writer.LastSizeHint.Should().Be(length);
        writer.AdvanceCalls.Should().Be(1);
        writer.Written.Should().Be(length);
    }

    [Test]
    public void Null_writers_and_messages_are_refused()
    {
        FluentActions.Invoking(() => CommandEncoder.Encode((IBufferWriter<byte>)null!, ProtocolVersion.V0, CommandKind.Get, 0, K, [])).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => CommandEncoder.Encode(new CountingWriter(), (Command)null!)).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => CommandEncoder.Encode(new byte[16], (Command)null!)).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => ResponseEncoder.Encode((IBufferWriter<byte>)null!, ProtocolVersion.V0, ResponseStatus.Ok, 0, K)).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => ResponseEncoder.Encode(new CountingWriter(), (Response)null!)).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => ResponseEncoder.Encode(new byte[16], (Response)null!)).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => new Command(CommandKind.Get, null!, [])).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => new Response(ResponseStatus.Ok, null!)).Should().Throw<ArgumentNullException>();
    }

    [Test]
    public void Frames_over_2_GiB_are_refused()
    {
        FluentActions.Invoking(() => CommandEncoder.GetEncodedLength(ProtocolVersion.V1, CommandKind.Set, int.MaxValue, int.MaxValue)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => CommandEncoder.GetEncodedLength(ProtocolVersion.V0, CommandKind.Get, int.MaxValue - 6, 0)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => ResponseEncoder.GetEncodedLength(ProtocolVersion.V1, ResponseStatus.Error, int.MaxValue - 11)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => ResponseEncoder.GetEncodedLength(ProtocolVersion.V0, ResponseStatus.Ok, int.MaxValue - 5)).Should().Throw<ArgumentOutOfRangeException>();

        CommandEncoder.GetEncodedLength(ProtocolVersion.V0, CommandKind.Get, int.MaxValue - 7, 0).Should().Be(int.MaxValue);
        ResponseEncoder.GetEncodedLength(ProtocolVersion.V1, ResponseStatus.Error, int.MaxValue - 12).Should().Be(int.MaxValue);
    }

    [Test]
    public void Encoded_lengths_follow_the_layout()
    {
        CommandEncoder.GetEncodedLength(ProtocolVersion.V0, CommandKind.Get, 5, 0).Should().Be(3 + 4 + 5);
        CommandEncoder.GetEncodedLength(ProtocolVersion.V0, CommandKind.Set, 5, 6).Should().Be(3 + 4 + 5 + 4 + 6);
        CommandEncoder.GetEncodedLength(ProtocolVersion.V1, CommandKind.Set, 5, 6).Should().Be(11 + 4 + 5 + 4 + 6);
        CommandEncoder.GetEncodedLength(ProtocolVersion.V1, CommandKind.Ping, 0, 6).Should().Be(11 + 4 + 6);
        CommandEncoder.GetEncodedLength(ProtocolVersion.V1, CommandKind.SetX, 5, 6).Should().Be(11 + 4 + 5 + 4 + 6 + 2 + 8);
        CommandEncoder.GetEncodedLength(ProtocolVersion.V1, CommandKind.Expire, 5, 0).Should().Be(11 + 4 + 5 + 2 + 8);
        CommandEncoder.GetEncodedLength(ProtocolVersion.V1, CommandKind.GetEx, 5, 0).Should().Be(11 + 4 + 5 + 2 + 8);
        CommandEncoder.GetEncodedLength(ProtocolVersion.V1, CommandKind.Ttl, 5, 0).Should().Be(11 + 4 + 5);
        ResponseEncoder.GetEncodedLength(ProtocolVersion.V0, ResponseStatus.Error, 6).Should().Be(2 + 4 + 6);
        ResponseEncoder.GetEncodedLength(ProtocolVersion.V1, ResponseStatus.Ok, 6).Should().Be(10 + 6);
        ResponseEncoder.GetEncodedLength(ProtocolVersion.V1, ResponseStatus.Error, 6).Should().Be(10 + 2 + 6);
        ResponseEncoder.GetEncodedLength(ProtocolVersion.V1, ResponseStatus.NotFound, 0).Should().Be(10);
    }

    /// <summary>An <see cref="IBufferWriter{T}"/> that counts how it is used.</summary>
    private sealed class CountingWriter : IBufferWriter<byte>
    {
        private byte[] _buffer = new byte[16];

        public int GetSpanCalls { get; private set; }

        public int AdvanceCalls { get; private set; }

        public int LastSizeHint { get; private set; }

        public int Written { get; private set; }

        public void Advance(int count)
        {
            AdvanceCalls++;
            Written += count;
        }

        public Memory<byte> GetMemory(int sizeHint = 0) => throw new NotSupportedException("The encoders use GetSpan.");

        public Span<byte> GetSpan(int sizeHint = 0)
        {
            GetSpanCalls++;
            LastSizeHint = sizeHint;
            if (_buffer.Length - Written < sizeHint)
            {
                Array.Resize(ref _buffer, Written + sizeHint);
            }

            return _buffer.AsSpan(Written);
        }
    }

    [Test]
    public void Negative_lengths_are_refused()
    {
        FluentActions.Invoking(() => CommandEncoder.GetEncodedLength(ProtocolVersion.V0, CommandKind.Get, -1, 0)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => CommandEncoder.GetEncodedLength(ProtocolVersion.V1, CommandKind.Set, 1, -1)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => ResponseEncoder.GetEncodedLength(ProtocolVersion.V1, ResponseStatus.Ok, -5)).Should().Throw<ArgumentOutOfRangeException>();
    }
}
