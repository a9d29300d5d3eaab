using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Kv.Protocol;
using Kv.Server.Networking;
using Kv.Storage;

namespace Kv.Server.Hosting;

/// <summary>
/// Before <c>kv-server</c> accepts its first client, it serves a few hundred requests of every kind to itself: a scratch
/// server (same transport, a scratch store, no log) on a free loopback port, and one connection that sends every command
/// of both protocol versions, hits and misses, and the options of the expiry commands. The just-in-time compiler then compiles the request path at start-up,
/// not inside the first clients' requests, where it stalled a fresh server's event loop for 25-30 ms (docs/performance.md).
/// </summary>
internal static class StartupWarmup
{
    private const int Rounds = 200;

    public static async Task RunAsync(KvServerOptions options)
    {
        using var store = new MemoryStore(new MemoryStoreOptions { StripeCount = 1, BackgroundMaintenance = false });
        var scratch = options with
        {
            BindAddress = IPAddress.Loopback,
            Port = 0,
            Persistence = null,

            // The request path is the same with authentication, after the AUTH; the scratch server needs none.
            Users = null,

            // Plain text only: the TLS files are loaded (and checked) by the real server.
            TlsPort = null,
            TlsCertificateFile = null,
            TlsKeyFile = null,
            TlsClientCaFile = null,
            TlsUserFromClientCertificate = false,
            EventThreads = 1,
            IdleTimeout = TimeSpan.Zero,
            ShutdownTimeout = TimeSpan.FromSeconds(1),
        };
        await using var server = new KvServer(scratch, store);
        server.Start();
        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await client.ConnectAsync(server.EndPoint).ConfigureAwait(false);
        var batch = Batch(out var responses);
        var received = new byte[64 * 1024];
        for (var round = 0; round < Rounds; round++)
        {
            await client.SendAsync(batch, SocketFlags.None).ConfigureAwait(false);
            var answered = 0;
            var length = 0;
            while (answered < responses)
            {
                var read = await client.ReceiveAsync(received.AsMemory(length), SocketFlags.None).ConfigureAwait(false);
                if (read == 0)
                {
                    return;
                }

                length += read;
                var consumed = 0;
                while (ResponseParser.Default.TryParse(received.AsSpan(consumed, length - consumed), out var response, out _) == ParseStatus.Complete)
                {
                    consumed += response.FrameLength;
                    answered++;
                }

                received.AsSpan(consumed, length - consumed).CopyTo(received);
                length -= consumed;
            }
        }
    }

    private static byte[] Batch(out int count)
    {
        var writer = new ArrayBufferWriter<byte>();
        count = 0;
        foreach (var version in new[] { ProtocolVersion.V0, ProtocolVersion.V1 })
        {
            foreach (var (kind, key, value) in new (CommandKind, byte[], byte[])[]
            {
                (CommandKind.Set, "warm-up"u8.ToArray(), "value"u8.ToArray()),
                (CommandKind.Set, "warm-up"u8.ToArray(), "same."u8.ToArray()),
                (CommandKind.Set, "warm-up"u8.ToArray(), "a longer value"u8.ToArray()),
                (CommandKind.Get, "warm-up"u8.ToArray(), []),
                (CommandKind.Get, "missing"u8.ToArray(), []),
                (CommandKind.Clear, "warm-up"u8.ToArray(), []),
                (CommandKind.Clear, "missing"u8.ToArray(), []),
                (CommandKind.Ping, [], []),
                (CommandKind.Ping, [], "message"u8.ToArray()),
            })
            {
                CommandEncoder.Encode(writer, version, kind, (uint)count, key, value);
                count++;
            }
        }

        // The expiry commands (version 1 only), each option's path, hits and misses; times long enough that nothing expires
        // between rounds.
        foreach (var command in new[]
        {
            Command.SetX("warm-up", "value", SetFlags.IfMissing | SetFlags.RelativeExpiry, 60_000),
            Command.SetX("warm-up", "a longer value", SetFlags.ReturnPrevious | SetFlags.KeepTtl),
            Command.SetX("warm-up", "value", SetFlags.IfExists | SetFlags.ReturnPrevious),
            Command.SetX("warm-up", "value", SetFlags.IfMissing | SetFlags.IfExists),
            Command.Expire("warm-up", ExpireFlags.RelativeExpiry | ExpireFlags.IfLater, 60_000),
            Command.Expire("warm-up", ExpireFlags.AbsoluteExpiry | ExpireFlags.IfHasExpiry | ExpireFlags.IfSooner, long.MaxValue),
            Command.Expire("missing", ExpireFlags.AbsoluteExpiry, 1),
            Command.Ttl("warm-up"),
            Command.Ttl("missing"),
            Command.Persist("warm-up"),
            Command.Persist("warm-up"),
            Command.GetEx("warm-up", GetExFlags.RelativeExpiry, 60_000),
            Command.GetEx("warm-up", GetExFlags.Persist),
            Command.GetEx("warm-up"),
            Command.GetEx("missing"),
            Command.GetDel("warm-up"),
            Command.GetDel("missing"),
        })
        {
            CommandEncoder.Encode(writer, command.Version, command.Kind, (uint)count, command.Key, command.Value, command.Flags, command.Time);
            count++;
        }

        return writer.WrittenSpan.ToArray();
    }
}
