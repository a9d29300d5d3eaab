using System.Buffers;
using Kv.Protocol;

namespace Kv.Testing;

/// <summary>
/// What a test client has received and not yet parsed, and the loop that turns it into whole responses with Kv.Protocol's
/// parser, whatever the bytes come from (a socket, a TLS stream).
/// </summary>
public sealed class ReceivedResponses
{
    private readonly ArrayBufferWriter<byte> _received = new();
    private int _consumed;

    /// <summary>How many bytes are received and not yet parsed into a response.</summary>
    public int Unparsed => _received.WrittenCount - _consumed;

    /// <summary>The bytes received and not yet parsed.</summary>
    public ReadOnlySpan<byte> UnparsedBytes => _received.WrittenSpan[_consumed..];

    /// <summary>Room for exactly <paramref name="size"/> more bytes; then <see cref="Advance"/> with how many came.</summary>
    public Memory<byte> GetMemory(int size) => _received.GetMemory(size)[..size];

    public void Advance(int count) => _received.Advance(count);

    /// <summary>
    /// The next whole response, receiving with <paramref name="receive"/> (0 for the end of the stream) until it is there.
    /// Throws on a response that does not parse, at the end of the stream, or after <paramref name="timeout"/>.
    /// </summary>
    public async Task<Response> ReadAsync(Func<Memory<byte>, CancellationToken, ValueTask<int>> receive, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var status = ResponseParser.Default.TryParse(UnparsedBytes, out var view, out var error);
            if (status == ParseStatus.Complete)
            {
                _consumed += view.FrameLength;
                return view.ToResponse();
            }

            if (status == ParseStatus.Invalid)
            {
                throw new InvalidDataException($"The server sent an invalid response: {error}");
            }

            var received = await receive(_received.GetMemory(64 * 1024), cts.Token);
            if (received == 0)
            {
                throw new EndOfStreamException("The server closed the connection before a whole response arrived.");
            }

            _received.Advance(received);
        }
    }
}
