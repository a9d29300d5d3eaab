using System.Net;
using Kv.Protocol;
using Kv.Server.Hosting;
using Kv.Server.Networking;
using Kv.Storage;

namespace Kv.Server.Tests;

/// <summary>
/// A write the store has no memory for is answered with an ERROR over the same connection, changes nothing, and leaves
/// the connection and the key as they were (the finding: SET A of 1 MiB, fill memory, overwrite A with 2 MiB;
/// the old server closed the connection without a reply and then lost A).
/// </summary>
public class OutOfMemoryTests
{
    private const int MiB = 1024 * 1024;

    [Test]
    public async Task A_write_without_memory_gets_an_error_and_the_connection_and_the_old_value_stay()
    {
        using var store = new MemoryStore(new MemoryStoreOptions { MemoryLimit = 8 * MiB });
        await using var server = InProcessServer.Start(store: store);
        using var connection = await server.ConnectAsync();

        var original = Filled(MiB, 0xA1);
        (await connection.ExecuteAsync(Command.Set("A"u8.ToArray(), original, ProtocolVersion.V1, 1))).Status.Should().Be(ResponseStatus.Ok);
        uint id = 2;
        Response filled;
        do
        {
            filled = await connection.ExecuteAsync(Command.Set(BitConverter.GetBytes(id), Filled(MiB / 2, 0x55), ProtocolVersion.V1, id));
            id++;
        }
        while (filled.Status == ResponseStatus.Ok && id < 100);

        filled.ErrorCode.Should().Be(ProtocolErrorCode.OutOfMemory, "the store's limit was reached");

        var overwrite = await connection.ExecuteAsync(Command.Set("A"u8.ToArray(), Filled(2 * MiB, 0xB2), ProtocolVersion.V1, 500));
        overwrite.Status.Should().Be(ResponseStatus.Error);
        overwrite.ErrorCode.Should().Be(ProtocolErrorCode.OutOfMemory);
        overwrite.RequestId.Should().Be(500);
        overwrite.PayloadText.Should().StartWith("out of memory");

        // Version 0 has no error codes: the same refusal, in words.
        var v0 = await connection.ExecuteAsync(Command.Set("A"u8.ToArray(), Filled(2 * MiB, 0xB3)));
        v0.Status.Should().Be(ResponseStatus.Error);
        v0.PayloadText.Should().StartWith("out of memory");

        // The same connection goes on, and A kept its acknowledged value.
        (await connection.ExecuteAsync(Command.Get("A"u8.ToArray(), ProtocolVersion.V1, 501))).Payload.Should().Equal(original);
        (await connection.ExecuteAsync(Command.Ping("still here"))).PayloadText.Should().Be("still here");

        // Once memory is freed, the overwrite succeeds.
        for (uint i = 2; i < id; i++)
        {
            await connection.ExecuteAsync(Command.Clear(BitConverter.GetBytes(i), ProtocolVersion.V1, i));
        }

        (await connection.ExecuteAsync(Command.Set("A"u8.ToArray(), Filled(2 * MiB, 0xB2), ProtocolVersion.V1, 502))).Status.Should().Be(ResponseStatus.Ok);
        (await connection.ExecuteAsync(Command.Get("A"u8.ToArray(), ProtocolVersion.V1, 503))).Payload.Should().Equal(Filled(2 * MiB, 0xB2));
    }

    private static byte[] Filled(int size, byte fill) => Enumerable.Repeat(fill, size).ToArray();
}
