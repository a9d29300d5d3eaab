using System.Security.Cryptography.X509Certificates;
using Kv.Protocol;
using Kv.Server.Hosting;
using Kv.Storage.Persistence;
using Kv.Testing;

namespace Kv.Server.Tests.Security.Tls;

/// <summary>
/// TLS traffic as networks deliver it, on both transports: records that arrive a few bytes at a time, responses far larger
/// than the socket takes to a client that reads late, and writes acknowledged only once the log has them.
/// </summary>
[TestFixtureSource(typeof(TlsTests), nameof(TlsTests.Transports))]
public sealed class TlsTrafficTests(ServerTransport transport) : TlsFixture
{
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("kv-tls-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    public async Task A_handshake_and_records_that_arrive_a_few_bytes_at_a_time_are_put_together()
    {
        await using var server = Start();
        using var tls = await TlsWireConnection.ConnectAsync(server.Server.TlsEndPoint!, Authority, wrap: inner => new TricklingStream(inner));

        var value = new string('t', 3000);
        (await tls.ExecuteAsync(Command.Set("k", value, ProtocolVersion.V1, 1))).RequestId.Should().Be(1);
        (await tls.ExecuteAsync(Command.Get("k", ProtocolVersion.V1, 2))).PayloadText.Should().Be(value);
        server.Errors.Should().BeEmpty();
    }

    // 200 requests for 20 MB of answers: the server waits for the socket again and again. 3000 requests (about 60 KB,
    // several TLS records, more than a receive buffer takes at once) for 60 MB: decrypted requests also wait in the
    // session while the socket is full, and must be answered without new input.
    [TestCase(100_000, 200)]
    [TestCase(20_000, 3000)]
    public async Task Responses_far_larger_than_the_socket_takes_reach_a_client_that_reads_late_whole_and_in_order(int valueSize, int count)
    {
        await using var server = Start();
        using var tls = await TlsWireConnection.ConnectAsync(server.Server.TlsEndPoint!, Authority);
        var value = new string('x', valueSize);
        (await tls.ExecuteAsync(Command.Set("big", value))).Status.Should().Be(ResponseStatus.Ok);

        var requests = WireConnection.Encode(Enumerable.Range(1, count).Select(i => Command.Get("big", ProtocolVersion.V1, (uint)i)).ToArray());
        await tls.Stream.WriteAsync(requests);
        await Task.Delay(300);

        for (var i = 1; i <= count; i++)
        {
            var response = await tls.ReadResponseAsync();
            response.RequestId.Should().Be((uint)i);
            response.Payload.Length.Should().Be(value.Length);
        }

        (await tls.ExecuteAsync(Command.Ping("after", ProtocolVersion.V1, (uint)count + 1))).PayloadText.Should().Be("after");
        server.Errors.Should().BeEmpty();
    }

    [Test]
    public async Task A_close_notify_ends_the_connection_as_a_fin_does_after_its_requests_are_answered()
    {
        await using var server = Start();
        using var tls = await TlsWireConnection.ConnectAsync(server.Server.TlsEndPoint!, Authority);
        (await tls.ExecuteAsync(Command.Ping("first", ProtocolVersion.V1, 1))).PayloadText.Should().Be("first");

        // A request and the end of the session in one go; the TCP connection stays open on the client's side.
        await tls.Stream.WriteAsync(WireConnection.Encode(Command.Ping("last", ProtocolVersion.V1, 2)));
        await tls.Stream.ShutdownAsync();
        (await tls.ReadResponseAsync()).PayloadText.Should().Be("last");
        await server.WaitForConnectionCountAsync(0, TimeSpan.FromSeconds(10));
        server.Server.ConnectionCount.Should().Be(0);
    }

    [Test]
    public async Task A_record_that_does_not_decrypt_closes_its_connection_alone()
    {
        await using var server = Start(threads: 1);
        using var bystander = await TlsWireConnection.ConnectAsync(server.Server.TlsEndPoint!, Authority);
        using var attacker = await TlsWireConnection.ConnectAsync(server.Server.TlsEndPoint!, Authority);
        (await attacker.ExecuteAsync(Command.Ping("before", ProtocolVersion.V1, 1))).PayloadText.Should().Be("before");

        // An application-data record whose content is noise, written under the TLS stream straight to the socket.
        var record = new byte[5 + 48];
        record[0] = 0x17;
        record[1] = 0x03;
        record[2] = 0x03;
        record[4] = 48;
        Random.Shared.NextBytes(record.AsSpan(5));
        await attacker.Socket.SendAsync(record);

        var reading = () => attacker.ReadResponseAsync();
        await reading.Should().ThrowAsync<Exception>("the server closes the connection");
        await server.WaitForConnectionCountAsync(1, TimeSpan.FromSeconds(10));

        // The loop that served it serves the other connection and new ones as before.
        (await bystander.ExecuteAsync(Command.Ping("after", ProtocolVersion.V1, 2))).PayloadText.Should().Be("after");
        using var newcomer = await TlsWireConnection.ConnectAsync(server.Server.TlsEndPoint!, Authority);
        (await newcomer.ExecuteAsync(Command.Ping("new", ProtocolVersion.V1, 3))).PayloadText.Should().Be("new");
        server.Errors.Should().BeEmpty();
    }

    [TestCase("always")]
    [TestCase("everysec")]
    public async Task With_a_data_directory_writes_over_tls_are_logged_and_come_back_after_a_restart(string fsync)
    {
        await using (var server = Start(fsync))
        {
            using var tls = await TlsWireConnection.ConnectAsync(server.Server.TlsEndPoint!, Authority);
            for (var i = 0; i < 100; i++)
            {
                (await tls.ExecuteAsync(Command.Set($"k{i}", $"v{i}", ProtocolVersion.V1, (uint)i + 1))).RequestId.Should().Be((uint)i + 1);
            }

            server.Errors.Should().BeEmpty();
        }

        await using var restarted = Start(fsync);
        using var again = await TlsWireConnection.ConnectAsync(restarted.Server.TlsEndPoint!, Authority);
        (await again.ExecuteAsync(Command.Get("k0"))).PayloadText.Should().Be("v0");
        (await again.ExecuteAsync(Command.Get("k99"))).PayloadText.Should().Be("v99");
    }

    private InProcessServer Start(string? fsync = null, int? threads = null) => InProcessServer.Start(o => o with
    {
        Transport = transport,
        EventThreads = threads ?? o.EventThreads,
        TlsPort = 0,
        TlsCertificateFile = ServerPem.Certificate,
        TlsKeyFile = ServerPem.Key,
        Persistence = fsync is null ? null : new PersistenceOptions { DataDirectory = _directory, Fsync = PersistenceOptions.ParseFsync(fsync) },
    });

    // Sends what is written a few bytes at a time, each piece on its own, so that the server sees records (and the
    // handshake's messages) cut at every place.
    private sealed class TricklingStream(Stream inner) : Stream
    {
        private int _next;

        public override bool CanRead => true;

        public override bool CanWrite => true;

        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (!buffer.IsEmpty)
            {
                var piece = Math.Min(buffer.Length, 1 + (_next++ % 7));
                await inner.WriteAsync(buffer[..piece], cancellationToken);
                await inner.FlushAsync(cancellationToken);
                await Task.Delay(1, cancellationToken);
                buffer = buffer[piece..];
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override void Flush() => inner.Flush();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
