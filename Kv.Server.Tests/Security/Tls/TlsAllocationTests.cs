using Kv.Protocol;
using Kv.Server.Hosting;
using Kv.Testing;

namespace Kv.Server.Tests.Security.Tls;

/// <summary>
/// TLS on the event loop allocates nothing per request once warm: the loop's thread receives, decrypts, answers,
/// encrypts and sends pipelined GETs, SETs and PINGs over TLS without allocating (the <c>SslStream</c> reads resume
/// through pooled state machines, the ciphertext buffers are pooled).
/// </summary>
[NonParallelizable]
public sealed class TlsAllocationTests : TlsFixture
{
    [Test]
    public async Task Requests_over_tls_on_the_event_loop_allocate_nothing_on_the_loop()
    {
        await using var server = InProcessServer.Start(o => o with
        {
            Transport = ServerTransport.EventLoop,
            EventThreads = 1,
            IdleTimeout = TimeSpan.Zero,
            TlsPort = 0,
            TlsCertificateFile = ServerPem.Certificate,
            TlsKeyFile = ServerPem.Key,
        });
        using var tls = await TlsWireConnection.ConnectAsync(server.Server.TlsEndPoint!, Authority);
        (await tls.ExecuteAsync(Command.Set("k", "value"))).Status.Should().Be(ResponseStatus.Ok);
        var batch = WireConnection.Encode(
            [Command.Get("k", ProtocolVersion.V1, 1), Command.Set("k", "value", ProtocolVersion.V1, 2), Command.Ping("", ProtocolVersion.V1, 3), Command.Get("missing")]);

        async Task RunAsync(int rounds)
        {
            for (var round = 0; round < rounds; round++)
            {
                await tls.Stream.WriteAsync(batch);
                for (var i = 0; i < 4; i++)
                {
                    await tls.ReadResponseAsync();
                }
            }
        }

        await RunAsync(3000);
        var before = await server.Server.LoopAllocatedBytesAsync()!;
        await RunAsync(2000);
        var allocated = await server.Server.LoopAllocatedBytesAsync()! - before;

        // 8,000 requests in 2,000 records each way: a few hundred bytes would be one allocation somewhere now and then
        // (a timer, a resized list); one per request would be hundreds of kilobytes.
        allocated.Should().BeLessThan(2_000, "{0:N0} bytes were allocated on the loop for 8,000 requests over TLS", allocated);
    }
}
