using System.Buffers;
using System.Text;
using Kv.Protocol.Tests.Support;

namespace Kv.Protocol.Tests;

/// <summary>
/// Checks every example of docs/protocol.md byte for byte. Version examples are checked in both directions against
/// the typed values below; bad-input examples against the answer in their third column.
/// </summary>
public class SpecExampleTests
{
    private const ProtocolVersion V1 = ProtocolVersion.V1;

    private static readonly byte[] BinaryKey = [0x00, 0xff, 0x80];
    private static readonly byte[] BinaryValue = [0xc3, 0x28];

    /// <summary>2026-01-01T00:00:00Z in Unix milliseconds.</summary>
    private const long NewYear2026 = 1_767_225_600_000;

    /// <summary>The typed value of every version example in the spec, keyed by its id: a <see cref="Command"/> or a <see cref="Response"/>.</summary>
    private static readonly IReadOnlyDictionary<string, object> Expectations = new Dictionary<string, object>
    {
        ["v0.get"] = Command.Get("k"),
        ["v0.set"] = Command.Set("k", "v"),
        ["v0.clear"] = Command.Clear("k"),
        ["v0.ping-empty"] = Command.Ping(""),
        ["v0.ping"] = Command.Ping("hello"),
        ["v0.set-empty-value"] = Command.Set("e", ""),
        ["v0.set-empty-key"] = Command.Set("", "v"),
        ["v0.set-utf8"] = Command.Set("ключ", "значение✓"),
        ["v0.set-binary"] = Command.Set(BinaryKey, BinaryValue),
        ["v0.ok-key"] = Response.Ok("k"),
        ["v0.ok-value"] = Response.Ok("v"),
        ["v0.ok-empty"] = Response.Ok(""),
        ["v0.ok-pong"] = Response.Ok("PONG"),
        ["v0.error-not-found"] = Response.Error("Key not found"),
        ["v0.error-unsupported-version"] = Response.Error("unsupported protocol version 7 (supported: 0, 1)"),
        ["v1.get"] = Command.Get("k", V1, 1),
        ["v1.set"] = Command.Set("k", "v", V1, 2),
        ["v1.clear"] = Command.Clear("k", V1, 3),
        ["v1.ping-empty"] = Command.Ping("", V1, 4),
        ["v1.ping"] = Command.Ping("hi", V1, 5),
        ["v1.set-binary"] = Command.Set(BinaryKey, BinaryValue, V1, 0xfffffffe),
        ["v1.ok-value"] = Response.Ok("v", V1, 1),
        ["v1.ok-empty"] = Response.Ok("", V1, 2),
        ["v1.not-found"] = Response.NotFound(3),
        ["v1.ok-pong"] = Response.Ok("PONG", V1, 4),
        ["v1.error-unknown-command"] = Response.Error("unknown command 255", V1, 9, ProtocolErrorCode.UnknownCommand),
        ["v1.error-too-many-connections"] = Response.Error("too many connections", V1, 0, ProtocolErrorCode.TooManyConnections),
        ["v1.error-out-of-memory"] = Response.Error("out of memory", V1, 2, ProtocolErrorCode.OutOfMemory),
        ["v1.error-write-refused"] = Response.Error("writes refused", V1, 2, ProtocolErrorCode.WriteRefused),
        ["v1.setx-px-nx"] = Command.SetX("k", "v", SetFlags.IfMissing | SetFlags.RelativeExpiry, 1000, 10),
        ["v1.setx-xx-get-pxat"] = Command.SetX("k", "w", SetFlags.IfExists | SetFlags.ReturnPrevious | SetFlags.AbsoluteExpiry, NewYear2026, 11),
        ["v1.setx-get-keepttl"] = Command.SetX("k", "v", SetFlags.ReturnPrevious | SetFlags.KeepTtl, 0, 12),
        ["v1.setx-plain"] = Command.SetX("k", "v", SetFlags.None, 0, 13),
        ["v1.setx-nx-xx"] = Command.SetX("k", "v", SetFlags.IfMissing | SetFlags.IfExists, 0, 14),
        ["v1.setx-reply-applied"] = Response.SetReply(SetReplyFlags.Applied, null, 10),
        ["v1.setx-reply-not-applied"] = Response.SetReply(SetReplyFlags.Existed, null, 10),
        ["v1.setx-reply-missing"] = Response.SetReply(SetReplyFlags.None, null, 11),
        ["v1.setx-reply-previous"] = Response.SetReply(SetReplyFlags.Applied | SetReplyFlags.Existed, "v"u8.ToArray(), 12),
        ["v1.expire-relative"] = Command.Expire("k", ExpireFlags.RelativeExpiry, 60_000, 15),
        ["v1.expire-gt"] = Command.Expire("k", ExpireFlags.IfLater | ExpireFlags.AbsoluteExpiry, NewYear2026, 16),
        ["v1.expire-nx"] = Command.Expire("k", ExpireFlags.IfNoExpiry | ExpireFlags.RelativeExpiry, 5000, 17),
        ["v1.expire-xx-lt"] = Command.Expire("k", ExpireFlags.IfHasExpiry | ExpireFlags.IfSooner | ExpireFlags.RelativeExpiry, 1000, 18),
        ["v1.expire-past"] = Command.Expire("k", ExpireFlags.RelativeExpiry, -1, 19),
        ["v1.expire-reply-applied"] = Response.Applied(true, 15),
        ["v1.expire-reply-not-applied"] = Response.Applied(false, 16),
        ["v1.persist"] = Command.Persist("k", 20),
        ["v1.persist-reply-removed"] = Response.Applied(true, 20),
        ["v1.persist-reply-none"] = Response.Applied(false, 20),
        ["v1.ttl"] = Command.Ttl("k", 21),
        ["v1.ttl-reply"] = Response.TimeToLive(59_998, 21),
        ["v1.ttl-reply-no-expiry"] = Response.TimeToLive(ReplyFormat.NoExpiry, 21),
        ["v1.ttl-not-found"] = Response.NotFound(21),
        ["v1.getex"] = Command.GetEx("k", GetExFlags.None, 0, 22),
        ["v1.getex-px"] = Command.GetEx("k", GetExFlags.RelativeExpiry, 30_000, 23),
        ["v1.getex-pxat"] = Command.GetEx("k", GetExFlags.AbsoluteExpiry, NewYear2026, 24),
        ["v1.getex-persist"] = Command.GetEx("k", GetExFlags.Persist, 0, 25),
        ["v1.getex-reply"] = Response.Ok("v", V1, 23),
        ["v1.getdel"] = Command.GetDel("k", 26),
        ["v1.getdel-reply"] = Response.Ok("v", V1, 26),
        ["v1.error-invalid-argument"] = Response.Error("SETX: NX and XX cannot be combined", V1, 14, ProtocolErrorCode.InvalidArgument),
        ["v1.auth"] = Command.Auth("app", "secret", 30),
        ["v1.auth-default"] = Command.Auth("", "pw", 31),
        ["v1.auth-reply"] = Response.Ok("", V1, 30),
        ["v1.error-authentication-failed"] = Response.Error("authentication failed", V1, 30, ProtocolErrorCode.AuthenticationFailed),
        ["v1.error-not-authenticated"] = Response.Error("not authenticated", V1, 1, ProtocolErrorCode.NotAuthenticated),
        ["v1.error-permission-denied"] = Response.Error("permission denied", V1, 2, ProtocolErrorCode.PermissionDenied),
    };

    /// <summary>The typed replies' examples, read back with the typed readers: what each says, not only its bytes.</summary>
    private static readonly IReadOnlyDictionary<string, string> ReplyMeanings = new Dictionary<string, string>
    {
        ["v1.setx-reply-applied"] = "set Applied, previous ''",
        ["v1.setx-reply-not-applied"] = "set Existed, previous ''",
        ["v1.setx-reply-missing"] = "set None, previous ''",
        ["v1.setx-reply-previous"] = "set Applied, Existed, previous 'v'",
        ["v1.expire-reply-applied"] = "applied True",
        ["v1.expire-reply-not-applied"] = "applied False",
        ["v1.persist-reply-removed"] = "applied True",
        ["v1.persist-reply-none"] = "applied False",
        ["v1.ttl-reply"] = "ttl 59998",
        ["v1.ttl-reply-no-expiry"] = "ttl -1",
    };

    private static IEnumerable<TestCaseData> VersionExamples() =>
        Expectations.Keys.Select(id => new TestCaseData(id).SetArgDisplayNames(id));

    private static IEnumerable<TestCaseData> BadInputExamples() =>
        SpecDocument.Rows.Where(r => r.Id.StartsWith("bad.", StringComparison.Ordinal)).Select(r => new TestCaseData(r.Id).SetArgDisplayNames(r.Id));

    [Test]
    public void The_spec_has_exactly_the_version_examples_this_test_expects()
    {
        var documented = SpecDocument.Rows.Select(r => r.Id).Where(id => !id.StartsWith("bad.", StringComparison.Ordinal)).ToList();

        documented.Should().OnlyHaveUniqueItems();
        documented.Should().BeEquivalentTo(Expectations.Keys, "every example in docs/protocol.md needs a typed expectation here, and every expectation an example");
    }

    [Test]
    public void The_spec_has_unique_and_well_formed_bad_input_examples()
    {
        var bad = SpecDocument.Rows.Where(r => r.Id.StartsWith("bad.", StringComparison.Ordinal)).ToList();

        bad.Should().HaveCountGreaterThan(10);
        bad.Select(r => r.Id).Should().OnlyHaveUniqueItems()
            .And.OnlyContain(id => id.StartsWith("bad.request.", StringComparison.Ordinal) || id.StartsWith("bad.response.", StringComparison.Ordinal));
    }

    [TestCaseSource(nameof(VersionExamples))]
    public void Typed_value_encodes_to_the_spec_bytes(string id)
    {
        var expected = DocumentedBytes(id);
        var encoded = new byte[expected.Length];

        var written = Expectations[id] switch
        {
            Command c => CommandEncoder.Encode(encoded, c),
            Response r => ResponseEncoder.Encode(encoded, r),
            _ => throw new InvalidOperationException(id),
        };

        written.Should().Be(expected.Length);
        Hex.Format(encoded).Should().Be(Hex.Format(expected));
    }

    [TestCaseSource(nameof(VersionExamples))]
    public void Spec_bytes_parse_to_the_typed_value(string id)
    {
        var bytes = DocumentedBytes(id);
        var expected = Outcome.Complete(Expectations[id], bytes.Length);
        var isRequest = Expectations[id] is Command;

        Parse.Frame(isRequest, bytes).Should().Be(expected, "the span parser reads {0}", id);
        Parse.Frame(isRequest, new ReadOnlySequence<byte>(bytes)).Should().Be(expected, "the sequence parser reads {0}", id);
        Parse.Frame(isRequest, Sequences.OneBytePerSegment(bytes)).Should().Be(expected, "the sequence parser reads {0} one byte per segment", id);
    }

    [TestCaseSource(nameof(BadInputExamples))]
    public void Bad_input_gets_the_spec_answer(string id)
    {
        var row = Row(id);
        var input = SpecDocument.HexCell(row, row.Second);
        var answer = SpecDocument.WordCell(row, row.Third);
        var isRequest = row.Id.StartsWith("bad.request.", StringComparison.Ordinal);

        var whole = Parse.Frame(isRequest, input);
        if (Enum.TryParse<ParseStatus>(answer, out var status))
        {
            whole.Status.Should().Be(status);
            if (status == ParseStatus.NeedMoreData)
            {
                whole.Should().Be(Outcome.NeedMoreData);
            }
        }
        else
        {
            Enum.TryParse<ProtocolErrorCode>(answer, out var code).Should().BeTrue("'{0}' must be a ParseStatus or a ProtocolErrorCode", answer);
            whole.Status.Should().Be(ParseStatus.Invalid);
            whole.ErrorCode.Should().Be(code);
        }

        Parse.Frame(isRequest, Sequences.OneBytePerSegment(input)).Should().Be(whole, "a split input gets the same answer");
    }

    /// <summary>The spec's server messages for bad input are what <see cref="ProtocolError.ToString"/> says.</summary>
    [Test]
    public void The_unsupported_version_example_is_the_parsers_own_message()
    {
        CommandParser.Default.TryParse([7, 0, 3], out _, out var error).Should().Be(ParseStatus.Invalid);

        var response = (Response)Expectations["v0.error-unsupported-version"];
        response.PayloadText.Should().Be(error.ToString());
        Encoding.UTF8.GetString(DocumentedBytes("v0.error-unsupported-version").AsSpan(6)).Should().Be(error.ToString());
    }

    [Test]
    public void The_unknown_command_example_is_the_parsers_own_message()
    {
        var input = SpecDocument.HexCell(Row("bad.request.v1-unknown-command"), Row("bad.request.v1-unknown-command").Second);
        CommandParser.Default.TryParse(input, out _, out var error).Should().Be(ParseStatus.Invalid);

        var response = (Response)Expectations["v1.error-unknown-command"];
        response.PayloadText.Should().Be(error.ToString());
        response.RequestId.Should().Be(error.RequestId, "the example answers the bad.request.v1-unknown-command example");
        response.ErrorCode.Should().Be(error.Code);
    }

    [Test]
    public void The_invalid_argument_example_is_what_the_shared_validation_says_of_the_invalid_request_example()
    {
        var request = (Command)Expectations["v1.setx-nx-xx"];
        var response = (Response)Expectations["v1.error-invalid-argument"];

        CommandOptions.Validate(request.Kind, request.Flags, request.Time).Should().Be(response.PayloadText);
        response.RequestId.Should().Be(request.RequestId, "the example answers v1.setx-nx-xx");
        CommandOptions.IsValid(request.Kind, request.Flags, request.Time).Should().BeFalse();
    }

    [Test]
    public void Every_request_example_but_the_invalid_one_has_valid_options()
    {
        var requests = Expectations.Where(e => e.Value is Command).ToList();

        requests.Where(e => !CommandOptions.IsValid(((Command)e.Value).Kind, ((Command)e.Value).Flags, ((Command)e.Value).Time))
            .Select(e => e.Key).Should().Equal("v1.setx-nx-xx");
    }

    [TestCaseSource(nameof(ReplyExamples))]
    public void Typed_reply_examples_read_back_with_the_typed_readers(string id)
    {
        var bytes = DocumentedBytes(id);
        ResponseParser.Default.TryParse(bytes, out var view, out _).Should().Be(ParseStatus.Complete);
        var owned = view.ToResponse();
        ResponseParser.Default.TryParse(Sequences.OneBytePerSegment(bytes), out var split, out _).Should().Be(ParseStatus.Complete);

        string meaning;
        if (id.StartsWith("v1.setx-", StringComparison.Ordinal))
        {
            view.TryReadSetReply(out var flags, out var previous).Should().BeTrue();
            meaning = $"set {flags}, previous '{Encoding.UTF8.GetString(previous)}'";
            owned.TryReadSetReply(out var ownedFlags, out var ownedPrevious).Should().BeTrue();
            (ownedFlags, ownedPrevious.ToArray()).Should().BeEquivalentTo((flags, previous.ToArray()));
            split.TryReadSetReply(out var splitFlags, out var splitPrevious).Should().BeTrue();
            (splitFlags, splitPrevious.ToArray()).Should().BeEquivalentTo((flags, previous.ToArray()));
        }
        else if (id.StartsWith("v1.ttl-", StringComparison.Ordinal))
        {
            view.TryReadTimeToLive(out var left).Should().BeTrue();
            meaning = $"ttl {left}";
            owned.TryReadTimeToLive(out var ownedLeft).Should().BeTrue();
            ownedLeft.Should().Be(left);
            split.TryReadTimeToLive(out var splitLeft).Should().BeTrue();
            splitLeft.Should().Be(left);
        }
        else
        {
            view.TryReadApplied(out var applied).Should().BeTrue();
            meaning = $"applied {applied}";
            owned.TryReadApplied(out var ownedApplied).Should().BeTrue();
            ownedApplied.Should().Be(applied);
            split.TryReadApplied(out var splitApplied).Should().BeTrue();
            splitApplied.Should().Be(applied);
        }

        meaning.Should().Be(ReplyMeanings[id]);
    }

    private static IEnumerable<TestCaseData> ReplyExamples() =>
        ReplyMeanings.Keys.Select(id => new TestCaseData(id).SetArgDisplayNames(id));

    private static SpecRow Row(string id) => SpecDocument.Rows.Single(r => r.Id == id);

    private static byte[] DocumentedBytes(string id)
    {
        var row = Row(id);
        return SpecDocument.HexCell(row, row.Third);
    }
}
