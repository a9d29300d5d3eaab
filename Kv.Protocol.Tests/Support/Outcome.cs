using System.Buffers;

namespace Kv.Protocol.Tests.Support;

/// <summary>
/// Everything one parse call reports, as a comparable value: the status, the parsed message copied into its owned
/// form (<see cref="Command"/> or <see cref="Response"/>), the frame length, and every field of the error. A view
/// that is not default on a result other than Complete shows up as a non-null message, so a partial result is
/// never equal to <see cref="NeedMoreData"/>.
/// </summary>
internal readonly record struct Outcome(
    ParseStatus Status,
    object? Message,
    int FrameLength,
    ProtocolErrorCode ErrorCode = ProtocolErrorCode.None,
    long ErrorDetail = 0,
    ProtocolVersion ErrorVersion = ProtocolVersion.V0,
    uint ErrorRequestId = 0,
    int ErrorFrameLength = 0)
{
    public static Outcome NeedMoreData { get; } = new(ParseStatus.NeedMoreData, null, 0);

    public static Outcome Complete(object message, int frameLength) => new(ParseStatus.Complete, message, frameLength);

    public static Outcome Invalid(ProtocolErrorCode code, long detail, ProtocolVersion version = ProtocolVersion.V0, uint requestId = 0, int frameLength = 0) =>
        new(ParseStatus.Invalid, null, 0, code, detail, version, requestId, frameLength);

    public static Outcome Of(ParseStatus status, object? message, int frameLength, in ProtocolError error) =>
        new(status, message, frameLength, error.Code, error.Detail, error.Version, error.RequestId, error.FrameLength);
}

/// <summary>Runs the library's parsers and reports an <see cref="Outcome"/>.</summary>
internal static class Parse
{
    public static Outcome Command(ReadOnlySpan<byte> input, CommandParser? parser = null)
    {
        var status = (parser ?? CommandParser.Default).TryParse(input, out var view, out var error);
        var isDefault = view.Version == 0 && view.Kind == 0 && view.RequestId == 0 && view.Key.IsEmpty && view.Value.IsEmpty && view.Flags == 0 && view.Time == 0 && view.FrameLength == 0;
        return Outcome.Of(status, status == ParseStatus.Complete || !isDefault ? view.ToCommand() : null, view.FrameLength, error);
    }

    public static Outcome Command(in ReadOnlySequence<byte> input, CommandParser? parser = null)
    {
        var status = (parser ?? CommandParser.Default).TryParse(input, out var view, out var error);
        var isDefault = view.Version == 0 && view.Kind == 0 && view.RequestId == 0 && view.Key.IsEmpty && view.Value.IsEmpty && view.Flags == 0 && view.Time == 0 && view.FrameLength == 0;
        return Outcome.Of(status, status == ParseStatus.Complete || !isDefault ? view.ToCommand() : null, view.FrameLength, error);
    }

    public static Outcome Response(ReadOnlySpan<byte> input, ResponseParser? parser = null)
    {
        var status = (parser ?? ResponseParser.Default).TryParse(input, out var view, out var error);
        var isDefault = view.Version == 0 && view.Status == 0 && view.RequestId == 0 && view.ErrorCode == 0 && view.Payload.IsEmpty && view.FrameLength == 0;
        return Outcome.Of(status, status == ParseStatus.Complete || !isDefault ? view.ToResponse() : null, view.FrameLength, error);
    }

    public static Outcome Response(in ReadOnlySequence<byte> input, ResponseParser? parser = null)
    {
        var status = (parser ?? ResponseParser.Default).TryParse(input, out var view, out var error);
        var isDefault = view.Version == 0 && view.Status == 0 && view.RequestId == 0 && view.ErrorCode == 0 && view.Payload.IsEmpty && view.FrameLength == 0;
        return Outcome.Of(status, status == ParseStatus.Complete || !isDefault ? view.ToResponse() : null, view.FrameLength, error);
    }

    /// <summary>Parses with the command parser when <paramref name="isRequest"/>, else with the response parser (default limits unless given).</summary>
    public static Outcome Frame(bool isRequest, ReadOnlySpan<byte> input, ProtocolLimits? limits = null) =>
        isRequest ? Command(input, CommandParserFor(limits)) : Response(input, ResponseParserFor(limits));

    public static Outcome Frame(bool isRequest, in ReadOnlySequence<byte> input, ProtocolLimits? limits = null) =>
        isRequest ? Command(input, CommandParserFor(limits)) : Response(input, ResponseParserFor(limits));

    private static CommandParser CommandParserFor(ProtocolLimits? limits) =>
        limits is null || limits == ProtocolLimits.Default ? CommandParser.Default : new CommandParser(limits);

    private static ResponseParser ResponseParserFor(ProtocolLimits? limits) =>
        limits is null || limits == ProtocolLimits.Default ? ResponseParser.Default : new ResponseParser(limits);
}
