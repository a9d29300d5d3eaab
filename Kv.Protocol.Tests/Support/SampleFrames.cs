namespace Kv.Protocol.Tests.Support;

/// <summary>A message and its bytes, as encoded by <see cref="Reference"/>.</summary>
internal sealed class SampleFrame
{
    public SampleFrame(string name, object message)
    {
        Name = name;
        Message = message;
        Bytes = Reference.Encode(message);
    }

    public string Name { get; }

    /// <summary>A <see cref="Command"/> or a <see cref="Response"/>.</summary>
    public object Message { get; }

    public byte[] Bytes { get; }

    public bool IsRequest => Message is Command;

    public ProtocolVersion Version => Message is Command c ? c.Version : ((Response)Message).Version;

    public uint RequestId => Message is Command c ? c.RequestId : ((Response)Message).RequestId;

    public Outcome Whole => Outcome.Complete(Message, Bytes.Length);

    public override string ToString() => Name;
}

/// <summary>Small frames of every command, status and version, for the exhaustive split, truncation and corruption tests.</summary>
internal static class SampleFrames
{
    public const uint V1RequestId = 0x01020304;

    private static readonly byte[] Binary = [0x00, 0xff, 0x80, 0xc3, 0x28, 0x00];

    public static IReadOnlyList<SampleFrame> Commands { get; } =
    [
        new("v0 GET k", Command.Get("k")),
        new("v0 GET empty", Command.Get("")),
        new("v0 SET key value", Command.Set("key", "value")),
        new("v0 SET empty empty", Command.Set("", "")),
        new("v0 SET binary", Command.Set(Binary, [.. Binary.Reverse()])),
        new("v0 CLEAR k", Command.Clear("k")),
        new("v0 PING empty", Command.Ping("")),
        new("v0 PING hi", Command.Ping("hi")),
        new("v1 GET k", Command.Get("k", ProtocolVersion.V1, V1RequestId)),
        new("v1 GET empty", Command.Get("", ProtocolVersion.V1, V1RequestId)),
        new("v1 SET key value", Command.Set("key", "value", ProtocolVersion.V1, V1RequestId)),
        new("v1 SET empty empty", Command.Set("", "", ProtocolVersion.V1, V1RequestId)),
        new("v1 SET binary", Command.Set(Binary, [.. Binary.Reverse()], ProtocolVersion.V1, uint.MaxValue)),
        new("v1 CLEAR k", Command.Clear("k", ProtocolVersion.V1, V1RequestId)),
        new("v1 PING empty", Command.Ping("", ProtocolVersion.V1, V1RequestId)),
        new("v1 PING hi", Command.Ping("hi", ProtocolVersion.V1, V1RequestId)),
        new("v1 SETX NX PX", Command.SetX("key", "value", SetFlags.IfMissing | SetFlags.RelativeExpiry, 1000, V1RequestId)),
        new("v1 SETX binary, every flag, negative time", Command.SetX(Binary, [.. Binary.Reverse()], (SetFlags)0xffff, long.MinValue, uint.MaxValue)),
        new("v1 SETX empty empty", Command.SetX("", "", SetFlags.None, 0, V1RequestId)),
        new("v1 EXPIRE GT PXAT", Command.Expire("k", ExpireFlags.IfLater | ExpireFlags.AbsoluteExpiry, 1_767_225_600_000, V1RequestId)),
        new("v1 EXPIRE past", Command.Expire("k", ExpireFlags.RelativeExpiry, -1, V1RequestId)),
        new("v1 PERSIST k", Command.Persist("k", V1RequestId)),
        new("v1 TTL k", Command.Ttl("k", V1RequestId)),
        new("v1 GETEX PX", Command.GetEx("k", GetExFlags.RelativeExpiry, long.MaxValue, V1RequestId)),
        new("v1 GETEX empty", Command.GetEx("", GetExFlags.None, 0, V1RequestId)),
        new("v1 GETDEL k", Command.GetDel("k", V1RequestId)),
        new("v1 AUTH", Command.Auth("user", "pass", V1RequestId)),
        new("v1 AUTH empty user, binary password", Command.Auth([], Binary, uint.MaxValue)),
    ];

    public static IReadOnlyList<SampleFrame> Responses { get; } =
    [
        new("v0 OK v", Response.Ok("v")),
        new("v0 OK empty", Response.Ok("")),
        new("v0 OK binary", Response.Ok(Binary)),
        new("v0 ERROR", Response.Error("Key not found")),
        new("v0 ERROR empty", Response.Error("")),
        new("v1 OK v", Response.Ok("v", ProtocolVersion.V1, V1RequestId)),
        new("v1 OK empty", Response.Ok("", ProtocolVersion.V1, V1RequestId)),
        new("v1 OK binary", Response.Ok(Binary, ProtocolVersion.V1, uint.MaxValue)),
        new("v1 NOT_FOUND", Response.NotFound(V1RequestId)),
        new("v1 ERROR", Response.Error("bad", ProtocolVersion.V1, V1RequestId, ProtocolErrorCode.UnknownCommand)),
        new("v1 ERROR empty message", Response.Error("", ProtocolVersion.V1, V1RequestId, ProtocolErrorCode.ServerError)),
        new("v1 SETX reply with previous", Response.SetReply(SetReplyFlags.Applied | SetReplyFlags.Existed, "v"u8.ToArray(), V1RequestId)),
        new("v1 applied reply", Response.Applied(true, V1RequestId)),
        new("v1 TTL reply", Response.TimeToLive(59_998, V1RequestId)),
        new("v1 ERROR invalid argument", Response.Error("SETX: NX and XX cannot be combined", ProtocolVersion.V1, V1RequestId, ProtocolErrorCode.InvalidArgument)),
    ];

    public static IEnumerable<SampleFrame> All => Commands.Concat(Responses);

    /// <summary>One test case per sample frame, by name (see <see cref="Named"/>).</summary>
    public static IEnumerable<TestCaseData> AllCases() => All.Select(f => new TestCaseData(f.Name).SetArgDisplayNames(f.Name));

    public static SampleFrame Named(string name) => All.Single(f => f.Name == name);
}
