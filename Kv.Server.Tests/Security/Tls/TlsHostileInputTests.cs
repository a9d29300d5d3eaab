using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Kv.Protocol;
using Kv.Server.Hosting;
using Kv.Testing;

namespace Kv.Server.Tests.Security.Tls;

/// <summary>
/// Noise on the TLS port, before and after handshakes, from many connections: each noisy connection is closed alone,
/// nothing is logged as an error, and a connection that behaves is served throughout (on one event loop, which a
/// connection's failure must not end).
/// </summary>
[TestFixtureSource(typeof(TlsTests), nameof(TlsTests.Transports))]
public sealed class TlsHostileInputTests(ServerTransport transport) : TlsFixture
{
    [Test]
    public async Task Noise_before_and_after_handshakes_closes_only_the_noisy_connections()
    {
        await using var server = InProcessServer.Start(o => o with
        {
            Transport = transport,
            EventThreads = 1,
            TlsPort = 0,
            TlsCertificateFile = ServerPem.Certificate,
            TlsKeyFile = ServerPem.Key,
            TlsHandshakeTimeout = TimeSpan.FromSeconds(2),
        });
        using var bystander = await TlsWireConnection.ConnectAsync(server.Server.TlsEndPoint!, Authority);
        var random = new Random(1515);
        for (var round = 0; round < 60; round++)
        {
            var afterHandshake = round % 2 == 1;
            var noise = Noise(random, round / 2 % 5);
            if (afterHandshake)
            {
                using var tls = await TlsWireConnection.ConnectAsync(server.Server.TlsEndPoint!, Authority);
                (await tls.ExecuteAsync(Command.Ping("", ProtocolVersion.V1, 1))).PayloadText.Should().Be("PONG");
                await SendQuietlyAsync(tls.Socket, noise);
            }
            else
            {
                using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(server.Server.TlsEndPoint!);
                await SendQuietlyAsync(socket, noise);
            }

            if (round % 10 == 9)
            {
                (await bystander.ExecuteAsync(Command.Ping($"round {round}", ProtocolVersion.V1, (uint)round))).PayloadText.Should().Be($"round {round}");
            }
        }

        // Every noisy connection ends (closed by the server, or by its client here, or at the handshake timeout).
        await server.WaitForConnectionCountAsync(1, TimeSpan.FromSeconds(15));
        server.Server.ConnectionCount.Should().Be(1);
        (await bystander.ExecuteAsync(Command.Ping("still", ProtocolVersion.V1, 999))).PayloadText.Should().Be("still");
        using var newcomer = await TlsWireConnection.ConnectAsync(server.Server.TlsEndPoint!, Authority);
        (await newcomer.ExecuteAsync(Command.Ping())).PayloadText.Should().Be("PONG");
        server.Errors.Should().BeEmpty();
    }

    // Five kinds: random bytes; a record header of each content type with a random length and body; a header that
    // promises the most a record may hold, then a little; a handshake record cut short; alerts, valid in form.
    private static byte[] Noise(Random random, int kind)
    {
        switch (kind)
        {
            case 0:
                var bytes = new byte[random.Next(1, 4096)];
                random.NextBytes(bytes);
                return bytes;
            case 1:
                var length = random.Next(0, 2048);
                var record = new byte[5 + length];
                record[0] = (byte)random.Next(20, 24);
                record[1] = 3;
                record[2] = (byte)random.Next(1, 4);
                record[3] = (byte)(length >> 8);
                record[4] = (byte)length;
                random.NextBytes(record.AsSpan(5));
                return record;
            case 2:
                var promised = new byte[5 + 100];
                promised[0] = 23;
                promised[1] = 3;
                promised[2] = 3;
                promised[3] = 0x48;
                promised[4] = 0x00;
                random.NextBytes(promised.AsSpan(5));
                return promised;
            case 3:
                return [22, 3, 1, 0x02, 0x00, 1, 0, 1, 0xfc, 3, 3];
            default:
                return [21, 3, 3, 0, 2, 2, (byte)random.Next(0, 256), 21, 3, 3, 0, 2, 1, 0];
        }
    }

    private static async Task SendQuietlyAsync(Socket socket, byte[] noise)
    {
        try
        {
            await socket.SendAsync(noise);
            await Task.Delay(5);
        }
        catch (SocketException)
        {
            // The server closed first: what this test wants.
        }
    }
}
