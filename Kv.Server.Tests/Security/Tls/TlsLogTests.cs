using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using Kv.Protocol;
using Kv.Server.Hosting;
using Kv.Server.Networking;
using Kv.Testing;
using Microsoft.Extensions.Logging;

namespace Kv.Server.Tests.Security.Tls;

/// <summary>What the TLS port logs: a failed handshake once per interval, however many fail (a scanner would fill the log).</summary>
public sealed class TlsLogTests : TlsFixture
{
    [Test]
    public async Task Failed_handshakes_are_logged_once_per_interval_with_how_many_were_not()
    {
        using var certificate = TestCertificates.CreateLeaf(Authority, "kv", server: true);
        var pem = Files.WritePem(certificate, "server");
        using var logs = new Capture();
        await using var server = new KvServer(
            new KvServerOptions { Port = 0, TlsPort = 0, TlsCertificateFile = pem.Certificate, TlsKeyFile = pem.Key, MaxMemory = 0 },
            loggerFactory: logs);
        server.Start();

        for (var i = 0; i < 5; i++)
        {
            using var plain = await WireConnection.ConnectAsync(server.TlsEndPoint!);
            await plain.SendAsync(Command.Ping());
            (await plain.IsClosedByServerAsync(TimeSpan.FromSeconds(10))).Should().BeTrue();
        }

        await Waiting.UntilAsync(() => server.ConnectionCount == 0, TimeSpan.FromSeconds(10));
        logs.Lines.Count(l => l.Contains("TLS handshake failed")).Should().Be(1, string.Join("\n", logs.Lines));
        logs.Lines.Should().Contain(l => l.Contains("TLS certificate loaded") && l.Contains("CN=kv"));

        using var tls = await TlsWireConnection.ConnectAsync(server.TlsEndPoint!, Authority);
        (await tls.ExecuteAsync(Command.Ping())).PayloadText.Should().Be("PONG");
    }

    private sealed class Capture : ILoggerFactory, ILogger
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IReadOnlyCollection<string> Lines => _lines;

        public ILogger CreateLogger(string categoryName) => this;

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _lines.Enqueue($"{logLevel}: {formatter(state, exception)}");

        public void Dispose()
        {
        }
    }
}
