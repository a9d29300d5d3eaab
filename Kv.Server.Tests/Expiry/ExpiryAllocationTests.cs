using Kv.Protocol;
using Kv.Protocol.Buffers;
using Kv.Server.Networking;
using Kv.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kv.Server.Tests.Expiry;

/// <summary>
/// The expiry commands allocate nothing on the server's request path: a connection's step (<see cref="FrameProcessor"/>,
/// as both transports drive it) over every command and option, hits, misses, previous values, invalid options answered
/// ERROR InvalidArgument, measured over thousands of rounds after a warm-up.
/// </summary>
[NonParallelizable]
public class ExpiryAllocationTests
{
    private const int Rounds = 2000;

    [Test]
    public void Every_expiry_command_and_answer_allocates_nothing()
    {
        // Each round leaves the store as it found it, so that every round takes the same paths.
        var batch = WireConnection.Encode(
        [
            Command.SetX("k", "value", SetFlags.None, 0, 1),
            Command.SetX("k", "other", SetFlags.IfMissing, 0, 2),
            Command.SetX("k", "longer value", SetFlags.IfExists | SetFlags.ReturnPrevious | SetFlags.RelativeExpiry, 60_000, 3),
            Command.SetX("k", "value", SetFlags.ReturnPrevious | SetFlags.KeepTtl, 0, 4),
            Command.SetX("k", "value", SetFlags.IfMissing | SetFlags.IfExists, 0, 5),
            Command.Expire("k", ExpireFlags.IfLater | ExpireFlags.RelativeExpiry, 120_000, 6),
            Command.Expire("k", ExpireFlags.IfHasExpiry | ExpireFlags.IfSooner | ExpireFlags.RelativeExpiry, 90_000, 7),
            Command.Expire("missing", ExpireFlags.AbsoluteExpiry, 1, 8),
            Command.Expire("k", ExpireFlags.IfLater | ExpireFlags.IfSooner | ExpireFlags.RelativeExpiry, 1, 9),
            Command.Ttl("k", 10),
            Command.Persist("k", 11),
            Command.Persist("k", 12),
            Command.Ttl("k", 13),
            Command.Ttl("missing", 14),
            Command.GetEx("k", GetExFlags.RelativeExpiry, 30_000, 15),
            Command.GetEx("k", GetExFlags.None, 0, 16),
            Command.GetEx("k", GetExFlags.Persist, 0, 17),
            Command.GetEx("missing", GetExFlags.None, 0, 18),
            Command.GetEx("k", GetExFlags.Persist, 5, 19),
            Command.GetDel("k", 20),
            Command.GetDel("k", 21),
            Command.SetX("gone", "v", SetFlags.None, 0, 22),
            Command.Expire("gone", ExpireFlags.RelativeExpiry, -1, 23),
        ]);

        using var store = new MemoryStore(new MemoryStoreOptions { StripeCount = 1, BackgroundMaintenance = false });
        using var input = new ReceiveBuffer(64 * 1024, ProtocolLimits.DefaultMaxFrameBytes);
        using var output = new PooledBufferWriter(64 * 1024);
        var frames = new FrameProcessor(1, input, output, store, CommandParser.Default, 1024 * 1024, NullLogger.Instance);

        long Run()
        {
            long answered = 0;
            for (var round = 0; round < Rounds; round++)
            {
                batch.CopyTo(input.GetFreeSpace().Span);
                input.Commit(batch.Length);
                // Counted, not asserted, inside the loop: an assertion allocates.
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

        allocated.Should().Be(0, "{0:N0} bytes were allocated over {1:N0} requests", allocated, Rounds * 23);
        answered.Should().Be(warm).And.BePositive();
        store.Count.Should().Be(0);
    }
}
