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
        ["v1.error-unknown-command"] = Response.Error("unknown command 9", V1, 9, ProtocolErrorCode.UnknownCommand),
        ["v1.error-too-many-connections"] = Response.Error("too many connections", V1, 0, ProtocolErrorCode.TooManyConnections),
        ["v1.error-out-of-memory"] = Response.Error("out of memory", V1, 2, ProtocolErrorCode.OutOfMemory),
        ["v1.error-write-refused"] = Response.Error("writes refused", V1, 2, ProtocolErrorCode.WriteRefused),
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
        Parse.Frame(isRequest, new System.Buffers.ReadOnlySequence<byte>(bytes)).Should().Be(expected, "the sequence parser reads {0}", id);
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

    private static SpecRow Row(string id) => SpecDocument.Rows.Single(r => r.Id == id);

    private static byte[] DocumentedBytes(string id)
    {
        var row = Row(id);
        return SpecDocument.HexCell(row, row.Third);
    }
}
