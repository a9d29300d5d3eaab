using System.Buffers;
using Kv.Protocol;

namespace Kv.Bench.Wire;

/// <summary>
/// The Kv protocol, in either version, through Kv.Protocol's encoder and parser. With a time to live, every SET is a
/// SETX with a relative expiry (version 1).
/// </summary>
internal sealed class KvWireProtocol(ProtocolVersion version, long ttlMilliseconds = 0) : IWireProtocol
{
    private static ReadOnlySpan<byte> KeyNotFound => "Key not found"u8;

    public string Name => $"kv (protocol version {(byte)version})";

    public void WriteRequest(IBufferWriter<byte> output, Operation operation, uint requestId, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        switch (operation)
        {
            case Operation.Set when ttlMilliseconds > 0:
                CommandEncoder.Encode(output, version, CommandKind.SetX, requestId, key, value, (ushort)SetFlags.RelativeExpiry, ttlMilliseconds);
                break;
            case Operation.Set:
                CommandEncoder.Encode(output, version, CommandKind.Set, requestId, key, value);
                break;
            case Operation.Get:
                CommandEncoder.Encode(output, version, CommandKind.Get, requestId, key, default);
                break;
            case Operation.Clear:
                CommandEncoder.Encode(output, version, CommandKind.Clear, requestId, key, default);
                break;
            default:
                CommandEncoder.Encode(output, version, CommandKind.Ping, requestId, default, default);
                break;
        }
    }

    public void WriteAuth(IBufferWriter<byte> output, uint requestId, string? user, string password) =>
        CommandEncoder.Encode(output, version, CommandKind.Auth, requestId, System.Text.Encoding.UTF8.GetBytes(user ?? string.Empty), System.Text.Encoding.UTF8.GetBytes(password));

    public bool TryReadResponse(ReadOnlySpan<byte> input, out int consumed, out Outcome outcome, out ReadOnlySpan<byte> payload)
    {
        switch (ResponseParser.Default.TryParse(input, out var response, out var error))
        {
            case ParseStatus.Complete:
                consumed = response.FrameLength;
                payload = response.Payload;
                outcome = response.Status switch
                {
                    ResponseStatus.Ok => Outcome.Ok,
                    ResponseStatus.NotFound => Outcome.Miss,
                    // Version 0 says "missing" only in words.
                    _ when response.Version == ProtocolVersion.V0 && response.Payload.SequenceEqual(KeyNotFound) => Outcome.Miss,
                    _ => Outcome.Error,
                };
                return true;
            case ParseStatus.NeedMoreData:
                consumed = 0;
                outcome = default;
                payload = default;
                return false;
            default:
                throw new InvalidDataException($"The server sent an invalid response: {error}");
        }
    }
}
