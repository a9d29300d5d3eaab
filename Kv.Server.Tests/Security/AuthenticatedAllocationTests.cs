using Kv.Protocol;
using Kv.Protocol.Buffers;
using Kv.Server.Networking;
using Kv.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kv.Server.Tests.Security;

/// <summary>
/// AUTH adds no cost per request after the handshake: an authenticated connection's step (<see cref="FrameProcessor"/>,
/// as both transports drive it) allocates nothing for its requests, allowed or refused for the user's permission.
/// </summary>
[NonParallelizable]
public class AuthenticatedAllocationTests
{
    private const int Rounds = 2000;

    [TestCase("writer", "writer-pw")]
    [TestCase("reader", "reader-pw")]
    public async Task Requests_after_auth_allocate_nothing(string user, string password)
    {
        using var store = new MemoryStore(new MemoryStoreOptions { StripeCount = 1, BackgroundMaintenance = false });
        using var input = new ReceiveBuffer(64 * 1024, ProtocolLimits.DefaultMaxFrameBytes);
        using var output = new PooledBufferWriter(64 * 1024);
        var frames = new FrameProcessor(1, input, output, store, CommandParser.Default, 1024 * 1024, NullLogger.Instance, users: AuthenticationTests.Users());

        Feed(input, WireConnection.Encode(Command.Auth(user, password, 1)));
        frames.Process().Should().Be(BatchOutcome.Paused);
        await frames.Paused;
        frames.Process().Should().Be(BatchOutcome.NeedMoreData);
        frames.UserName.Should().Be(user);
        output.Reset();

        // For the reader, the writes are refused (PermissionDenied, allocating only the message) and left out.
        var batch = WireConnection.Encode(user == "writer"
            ? [Command.Set("k", "v", ProtocolVersion.V1, 2), Command.Get("k", ProtocolVersion.V1, 3), Command.Ttl("k", 4), Command.Ping("", ProtocolVersion.V1, 5), Command.Get("k"), Command.GetDel("k", 6)]
            : [Command.Get("k", ProtocolVersion.V1, 3), Command.Ttl("k", 4), Command.Ping("", ProtocolVersion.V1, 5), Command.Get("missing")]);

        long Run()
        {
            long answered = 0;
            for (var round = 0; round < Rounds; round++)
            {
                Feed(input, batch);
                answered += frames.Process() == BatchOutcome.NeedMoreData ? output.WrittenCount : -1_000_000;
                output.Reset();
            }

            return answered;
        }

        var warm = Run();
        Run();
        var before = GC.GetAllocatedBytesForCurrentThread();
        var answered = Run();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        allocated.Should().Be(0, "{0:N0} bytes were allocated", allocated);
        answered.Should().Be(warm).And.BePositive();
    }

    private static void Feed(ReceiveBuffer input, byte[] bytes)
    {
        bytes.CopyTo(input.GetFreeSpace().Span);
        input.Commit(bytes.Length);
    }
}
