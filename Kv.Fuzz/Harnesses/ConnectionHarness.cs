using System.Buffers;
using System.Text;
using Kv.Protocol;
using Kv.Protocol.Buffers;
using Kv.Server.Networking;
using Kv.Server.Security;
using Kv.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kv.Fuzz.Harnesses;

/// <summary>
/// The server's per-connection logic (<see cref="FrameProcessor"/> over a <see cref="ReceiveBuffer"/> and a
/// <see cref="PooledBufferWriter"/>, exactly as <c>ClientConnection</c> drives them, without the socket) fed a byte stream
/// three ways: all at once, in random chunks, and one byte at a time. Small limits (4 KiB frames, a 64-byte starting
/// buffer, a 1 KiB send buffer limit) reach growth, compaction and back-pressure with small inputs. Invariants: no
/// exception; every batch handed to the socket is whole responses that <see cref="ResponseParser"/> reads; the three
/// feeds give the same bytes and the same close decision; and those responses are exactly what a dictionary model of
/// the protocol's semantics (<see cref="ProtocolModel"/>, with a store whose clock stands still) answers for the frames
/// <see cref="CommandParser"/> finds in the stream.
/// </summary>
public static class ConnectionHarness
{
    public const int MaxFrameBytes = 4096;
    private const int BufferSize = 64;
    private const int SendBufferLimit = 1024;
    private const int BytewiseLimit = 2048;
    private static readonly CommandParser Parser = new(new ProtocolLimits(MaxFrameBytes));

    public static void Run(byte[] data) => Run(data, users: null);

    /// <summary>
    /// The same, on a server with users (<see cref="AuthenticatedModel"/>): the connection's authentication state machine
    /// (AUTH right and wrong, the attempt limit, each permission, version 0 refused) against its model.
    /// </summary>
    public static void RunAuthenticated(byte[] data) => Run(data, AuthenticatedModel.Users);

    private static void Run(byte[] data, UserDirectory? users)
    {
        var random = new Random(Segments.SeedOf(data));
        var whole = Serve(data, _ => int.MaxValue, users);
        CheckAgainstModel(data, whole, users is null ? new ProtocolModel().Answer : new AuthenticatedModel().Answer);
        Compare(whole, Serve(data, remaining => 1 + random.Next(Math.Min(remaining, 97)), users), "random chunks");
        if (data.Length <= BytewiseLimit)
        {
            Compare(whole, Serve(data, _ => 1, users), "one byte at a time");
        }
    }

    private static Served Serve(byte[] data, Func<int, int> nextChunk, UserDirectory? users)
    {
        using var store = new MemoryStore(new MemoryStoreOptions { StripeCount = 1, BackgroundMaintenance = false, TimeProvider = FrozenClock.Instance });
        using var input = new ReceiveBuffer(BufferSize, MaxFrameBytes);
        using var output = new PooledBufferWriter(BufferSize);
        var frames = new FrameProcessor(1, input, output, store, Parser, SendBufferLimit, NullLogger.Instance, users: users);
        var sent = new ArrayBufferWriter<byte>();
        var offset = 0;
        while (offset < data.Length)
        {
            var chunk = Math.Min(nextChunk(data.Length - offset), data.Length - offset);
            while (chunk > 0)
            {
                // One receive: as much of the chunk as the buffer has room for.
                var free = input.GetFreeSpace();
                Invariant.That(!free.IsEmpty, "the receive buffer offered no space");
                var received = Math.Min(free.Length, chunk);
                data.AsSpan(offset, received).CopyTo(free.Span);
                input.Commit(received);
                offset += received;
                chunk -= received;
                if (!ProcessReceived(frames, input, output, sent))
                {
                    return new Served(sent.WrittenSpan.ToArray(), Closed: true, frames.Requests, input.Length);
                }
            }
        }

        return new Served(sent.WrittenSpan.ToArray(), Closed: false, frames.Requests, input.Length);
    }

    // ClientConnection.ProcessAsync without the socket: process, send what was written, repeat while the send buffer was full.
    private static bool ProcessReceived(FrameProcessor frames, ReceiveBuffer input, PooledBufferWriter output, ArrayBufferWriter<byte> sent)
    {
        while (true)
        {
            var outcome = frames.Process();
            if (output.WrittenCount > 0)
            {
                CheckWholeResponses(output.WrittenMemory.Span);
                sent.Write(output.WrittenMemory.Span);
                output.Reset();
            }

            Invariant.That(input.Length <= MaxFrameBytes || outcome != BatchOutcome.NeedMoreData, $"{input.Length} bytes held waiting for a frame");
            switch (outcome)
            {
                case BatchOutcome.SendBufferFull:
                    continue;
                case BatchOutcome.NeedMoreData:
                    return true;
                case BatchOutcome.Close:
                    return false;
                case BatchOutcome.Paused:
                    // An AUTH being checked: the transports wait without a thread; the harness may block.
                    frames.Paused.GetAwaiter().GetResult();
                    continue;
                default:
                    throw new InvariantViolationException($"unknown outcome {outcome}");
            }
        }
    }

    private static void CheckWholeResponses(ReadOnlySpan<byte> batch)
    {
        while (!batch.IsEmpty)
        {
            var status = ResponseParser.Default.TryParse(batch, out var response, out var error);
            Invariant.That(status == ParseStatus.Complete, $"a batch that is not whole responses: {status} {error}");
            batch = batch.Slice(response.FrameLength);
        }
    }

    private static void Compare(Served expected, Served actual, string feed)
    {
        Invariant.Equal(expected.Closed, actual.Closed, $"{feed}: close decision");
        Invariant.Equal(expected.Requests, actual.Requests, $"{feed}: requests carried out");
        Invariant.SameBytes(expected.Output, actual.Output, $"{feed}: responses");
        if (!expected.Closed)
        {
            Invariant.Equal(expected.Unparsed, actual.Unparsed, $"{feed}: bytes left waiting for the rest of a frame");
        }
    }

    private static void CheckAgainstModel(byte[] data, Served served, Func<CommandView, ModelAnswer> answer)
    {
        var expected = new List<Response>();
        var expectClosed = false;
        long requests = 0;
        var offset = 0;
        while (offset < data.Length)
        {
            var status = Parser.TryParse(data.AsSpan(offset), out var command, out var error);
            if (status == ParseStatus.Complete)
            {
                var (response, counted, close) = answer(command);
                expected.Add(response);
                requests += counted ? 1 : 0;
                offset += command.FrameLength;
                if (close)
                {
                    expectClosed = true;
                    break;
                }

                continue;
            }

            if (status == ParseStatus.Invalid)
            {
                var message = Encoding.UTF8.GetBytes(error.ToString());
                expected.Add(error.Code == ProtocolErrorCode.UnsupportedVersion || error.Version == ProtocolVersion.V0
                    ? new Response(ResponseStatus.Error, message)
                    : new Response(ResponseStatus.Error, message, error.Version, error.RequestId, error.Code));
                if (error.IsRecoverable)
                {
                    offset += error.FrameLength;
                    continue;
                }

                expectClosed = true;
            }

            break;
        }

        Invariant.Equal(expectClosed, served.Closed, "close decision against the model");
        Invariant.Equal(requests, served.Requests, "requests carried out against the model");
        var actual = served.Output.AsSpan();
        for (var i = 0; i < expected.Count; i++)
        {
            var status = ResponseParser.Default.TryParse(actual, out var response, out var error);
            Invariant.That(status == ParseStatus.Complete, $"response {i}: {status} {error}");
            var owned = response.ToResponse();
            Invariant.That(expected[i].Equals(owned), $"response {i}: expected {Describe(expected[i])}, got {Describe(owned)}");
            actual = actual.Slice(response.FrameLength);
        }

        Invariant.That(actual.IsEmpty, $"{actual.Length} bytes beyond the {expected.Count} expected responses");
    }

    private static string Describe(Response response) =>
        $"{response} code={response.ErrorCode} payload={Convert.ToHexString(response.Payload)}";

    private sealed record Served(byte[] Output, bool Closed, long Requests, int Unparsed);
}
