using System.Buffers;
using System.Buffers.Text;

namespace Kv.Bench.Wire;

/// <summary>
/// The Redis protocol (RESP2), for the equivalent commands: SET key value, GET key, PING. Just enough to drive a
/// Redis-compatible server with the same workload as Kv. CLEAR is DEL; with a time to live, SET carries PX.
/// </summary>
internal sealed class RespWireProtocol(long ttlMilliseconds = 0) : IWireProtocol
{
    private readonly byte[] _ttl = System.Text.Encoding.ASCII.GetBytes(ttlMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public string Name => "resp";

    public void WriteRequest(IBufferWriter<byte> output, Operation operation, uint requestId, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        switch (operation)
        {
            case Operation.Set:
                WriteArrayHeader(output, ttlMilliseconds > 0 ? 5 : 3);
                WriteBulk(output, "SET"u8);
                WriteBulk(output, key);
                WriteBulk(output, value);
                if (ttlMilliseconds > 0)
                {
                    WriteBulk(output, "PX"u8);
                    WriteBulk(output, _ttl);
                }

                break;
            case Operation.Get:
                WriteArrayHeader(output, 2);
                WriteBulk(output, "GET"u8);
                WriteBulk(output, key);
                break;
            case Operation.Clear:
                WriteArrayHeader(output, 2);
                WriteBulk(output, "DEL"u8);
                WriteBulk(output, key);
                break;
            default:
                WriteArrayHeader(output, 1);
                WriteBulk(output, "PING"u8);
                break;
        }
    }

    /// <summary>Redis's <c>AUTH password</c>, or <c>AUTH user password</c> (Redis 6 ACL users).</summary>
    public void WriteAuth(IBufferWriter<byte> output, uint requestId, string? user, string password)
    {
        WriteArrayHeader(output, user is null ? 2 : 3);
        WriteBulk(output, "AUTH"u8);
        if (user is not null)
        {
            WriteBulk(output, System.Text.Encoding.UTF8.GetBytes(user));
        }

        WriteBulk(output, System.Text.Encoding.UTF8.GetBytes(password));
    }

    public bool TryReadResponse(ReadOnlySpan<byte> input, out int consumed, out Outcome outcome, out ReadOnlySpan<byte> payload)
    {
        consumed = 0;
        outcome = Outcome.Ok;
        payload = default;
        var lineEnd = input.IndexOf("\r\n"u8);
        if (lineEnd < 0)
        {
            return false;
        }

        var line = input.Slice(1, lineEnd - 1);
        switch (input[0])
        {
            case (byte)'+':
            case (byte)':':
                payload = line;
                consumed = lineEnd + 2;
                return true;
            case (byte)'-':
                payload = line;
                outcome = Outcome.Error;
                consumed = lineEnd + 2;
                return true;
            case (byte)'$':
                if (!Utf8Parser.TryParse(line, out int length, out _))
                {
                    throw new InvalidDataException("A RESP bulk string with a bad length.");
                }

                if (length < 0)
                {
                    outcome = Outcome.Miss;
                    consumed = lineEnd + 2;
                    return true;
                }

                var start = lineEnd + 2;
                if (input.Length < start + length + 2)
                {
                    return false;
                }

                payload = input.Slice(start, length);
                consumed = start + length + 2;
                return true;
            default:
                throw new InvalidDataException($"Unexpected RESP type byte 0x{input[0]:x2}.");
        }
    }

    private static void WriteArrayHeader(IBufferWriter<byte> output, int count)
    {
        var span = output.GetSpan(16);
        span[0] = (byte)'*';
        Utf8Formatter.TryFormat(count, span.Slice(1), out var written);
        "\r\n"u8.CopyTo(span.Slice(1 + written));
        output.Advance(3 + written);
    }

    private static void WriteBulk(IBufferWriter<byte> output, ReadOnlySpan<byte> value)
    {
        var span = output.GetSpan(value.Length + 16);
        span[0] = (byte)'$';
        Utf8Formatter.TryFormat(value.Length, span.Slice(1), out var written);
        var position = 1 + written;
        "\r\n"u8.CopyTo(span.Slice(position));
        position += 2;
        value.CopyTo(span.Slice(position));
        position += value.Length;
        "\r\n"u8.CopyTo(span.Slice(position));
        output.Advance(position + 2);
    }
}
