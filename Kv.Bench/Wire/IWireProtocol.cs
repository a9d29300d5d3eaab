using System.Buffers;

namespace Kv.Bench.Wire;

/// <summary>One protocol the load generator can speak: how a request is written and a response read.</summary>
internal interface IWireProtocol
{
    string Name { get; }

    /// <summary>Appends one request to <paramref name="output"/>.</summary>
    void WriteRequest(IBufferWriter<byte> output, Operation operation, uint requestId, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value);

    /// <summary>
    /// Appends the AUTH that opens a connection: <paramref name="user"/> (null for the server's default user) and
    /// <paramref name="password"/>.
    /// </summary>
    void WriteAuth(IBufferWriter<byte> output, uint requestId, string? user, string password);

    /// <summary>
    /// Reads one response from the start of <paramref name="input"/>: false when more bytes are needed; throws
    /// <see cref="InvalidDataException"/> when the bytes cannot be a response.
    /// </summary>
    bool TryReadResponse(ReadOnlySpan<byte> input, out int consumed, out Outcome outcome, out ReadOnlySpan<byte> payload);
}
