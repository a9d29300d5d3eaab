using System.Buffers;
using Kv.Protocol;
using Kv.Storage;

namespace Kv.Server.Commands;

/// <summary>
/// What a command needs to run: the store (which logs its own writes when persistence is on), and a writer for its
/// response in the version and with the request id of the request being answered. One per connection, reused for every
/// request.
/// </summary>
internal sealed class CommandContext(MemoryStore store, IBufferWriter<byte> output)
{
    // Cached once: a static lambda passed straight to the store would be cached too, but naming it keeps it obvious.
    internal static readonly ValueReader<CommandContext> WriteValueAsOk = static (value, context) => context.WriteOk(value);

    public MemoryStore Store { get; } = store;

    public ProtocolVersion Version { get; private set; }

    public uint RequestId { get; private set; }

    /// <summary>Sets the version and id the next responses answer.</summary>
    public void Begin(ProtocolVersion version, uint requestId)
    {
        Version = version;
        RequestId = requestId;
    }

    /// <summary>
    /// Makes room for an OK response with a payload of <paramref name="payloadLength"/> bytes, before the command changes
    /// anything: a write whose answer could not be buffered (the client memory budget) is then refused before it is
    /// applied, never applied and answered with an error.
    /// </summary>
    /// <exception cref="OutOfMemoryException">The room cannot be had.</exception>
    public void ReserveOk(int payloadLength) =>
        output.GetSpan(ResponseEncoder.GetEncodedLength(Version, ResponseStatus.Ok, payloadLength));

    public void WriteOk(ReadOnlySpan<byte> payload) =>
        ResponseEncoder.Encode(output, Version, ResponseStatus.Ok, RequestId, payload);

    /// <summary>Version 1's NOT_FOUND; callers answer version 0 in its own words.</summary>
    public void WriteNotFound() =>
        ResponseEncoder.Encode(output, ProtocolVersion.V1, ResponseStatus.NotFound, RequestId, default);

    public void WriteError(ProtocolErrorCode code, ReadOnlySpan<byte> message) =>
        ResponseEncoder.Encode(output, Version, ResponseStatus.Error, RequestId, message, code);

    /// <summary>An ERROR with a message made at run time (rare paths only: it is encoded to UTF-8 here).</summary>
    public void WriteError(ProtocolErrorCode code, string message) => WriteError(code, System.Text.Encoding.UTF8.GetBytes(message));
}
