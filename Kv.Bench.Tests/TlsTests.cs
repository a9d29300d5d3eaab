using System.Globalization;
using Kv.Testing;
using Kv.Testing.Tls;

namespace Kv.Bench.Tests;

/// <summary>
/// kv-bench's <c>--tls</c> options, as a real process against <see cref="TlsTestServer"/> with PEM files the test
/// wrote: a run over TLS with no errors, mutual TLS with AUTH, a refused certificate, <c>--tls-insecure</c>'s warning,
/// and options that cannot work.
/// </summary>
[CancelAfter(60_000)]
public class TlsTests
{
    private static readonly string BenchPath = ToolProcess.RecordedPath(typeof(TlsTests).Assembly, "KvBenchPath");
    private TestCertificateFiles _files = null!;

    [OneTimeSetUp]
    public void CreateCertificates() => _files = TestCertificateFiles.Create("kv-bench-tls");

    [OneTimeTearDown]
    public void DisposeCertificates() => _files.Dispose();

    [Test]
    public async Task A_set_get_run_over_tls_completes_with_no_errors(CancellationToken cancellationToken)
    {
        await using var server = TlsTestServer.Start(_files.Certificates.Server);

        var result = await Bench(["-p", Port(server), "--tls-ca", Pem("ca.pem"), "-c", "4", "-P", "8", "-t", "set,get", "-n", "4000", "--warmup", "0", "--verify", "--json"], null, cancellationToken);

        result.Error.Should().BeEmpty();
        result.ExitCode.Should().Be(0);
        result.Output.Should().Contain("\"test\": \"SET\"").And.Contain("\"test\": \"GET\"").And.Contain("\"requests\": 4000");
        result.Output.Split('\n').Where(line => line.Contains("\"errors\"")).Should().HaveCount(2).And.OnlyContain(line => line.Trim() == "\"errors\": 0,");
        server.CompletedHandshakes.Should().Be(8, "four connections for each test");
    }

    [Test]
    public async Task A_run_against_the_servers_tls_port_with_mutual_tls_completes_with_no_errors(CancellationToken cancellationToken)
    {
        await using var server = Kv.Testing.Servers.InProcessServer.Start(o => o with
        {
            ShutdownTimeout = TimeSpan.FromSeconds(2),
            TlsPort = 0,
            TlsCertificateFile = Pem("server.pem"),
            TlsKeyFile = Pem("server.key"),
            TlsClientCaFile = Pem("ca.pem"),
        });
        var port = server.Server.TlsEndPoint!.Port.ToString(CultureInfo.InvariantCulture);

        var result = await Bench(
            ["-p", port, "--tls-ca", Pem("ca.pem"), "--tls-cert", Pem("client.pem"), "--tls-key", Pem("client.key"), "-c", "4", "-P", "16", "-t", "set,get", "-n", "20000", "--warmup", "0", "--verify", "--csv"],
            null,
            cancellationToken);

        result.Error.Should().BeEmpty();
        result.ExitCode.Should().Be(0);
        result.Output.Should().Contain("SET").And.Contain("GET");
    }

    [Test]
    public async Task Mutual_tls_and_auth_from_the_environment(CancellationToken cancellationToken)
    {
        await using var server = TlsTestServer.Start(_files.Certificates.Server, clientAuthority: _files.Certificates.Authority, password: "bench-s3cret");
        var environment = new Dictionary<string, string?>
        {
            ["KV_TLS"] = "1",
            ["KV_TLS_CA"] = Pem("ca.pem"),
            ["KV_TLS_CLIENT_CERT"] = Pem("client.pem"),
            ["KV_TLS_CLIENT_KEY"] = Pem("client.key"),
            ["KV_TLS_HOST"] = "localhost",
            ["KV_PASSWORD"] = "bench-s3cret",
        };

        var result = await Bench(["-p", Port(server), "-c", "2", "-t", "set,get", "-n", "1000", "--warmup", "0", "--csv"], environment, cancellationToken);

        result.ExitCode.Should().Be(0, result.Error);
        server.ClientSubjects.Should().HaveCount(4).And.OnlyContain(subject => subject == "CN=kv-test-client");
        server.Requests.Should().Contain(r => r.EndsWith(":Auth", StringComparison.Ordinal));
    }

    [Test]
    public async Task An_untrusted_certificate_exits_2_and_says_why(CancellationToken cancellationToken)
    {
        await using var server = TlsTestServer.Start(_files.Certificates.Server);

        var result = await Bench(["-p", Port(server), "--tls", "-c", "1", "-t", "set", "-n", "10", "--warmup", "0"], null, cancellationToken);

        result.ExitCode.Should().Be(2);
        result.Output.Should().BeEmpty();
        result.Error.Should().Be($"kv-bench: 127.0.0.1:{Port(server)}: TLS handshake failed: the server's certificate was not accepted for '127.0.0.1' (RemoteCertificateChainErrors): check --tls-ca and --tls-host\n");
    }

    [Test]
    public async Task Tls_insecure_runs_and_warns(CancellationToken cancellationToken)
    {
        await using var server = TlsTestServer.Start(_files.Certificates.Server);

        var result = await Bench(["-p", Port(server), "--tls-insecure", "-c", "1", "-t", "ping", "-n", "100", "--warmup", "0", "--csv"], null, cancellationToken);

        result.ExitCode.Should().Be(0);
        result.Error.Should().StartWith("kv-bench: WARNING: --tls-insecure: the server's certificate is NOT checked");
    }

    [TestCase(new[] { "--tls-cert", "client.pem" }, "kv-bench: --tls-cert and --tls-key go together*")]
    [TestCase(new[] { "--tls-ca", "missing.pem" }, "kv-bench: --tls-ca: cannot read the certificates in*")]
    [TestCase(new[] { "--tls-ca", "client.key" }, "kv-bench: --tls-ca*")]
    [TestCase(new[] { "--tls-insecure", "--tls-ca", "ca.pem" }, "kv-bench: --tls-insecure checks nothing*")]
    public async Task Bad_tls_options_exit_2_naming_the_option(string[] arguments, string message, CancellationToken cancellationToken)
    {
        var withPaths = arguments.Select(a => a.EndsWith(".pem", StringComparison.Ordinal) || a.EndsWith(".key", StringComparison.Ordinal) ? Pem(a) : a).ToArray();

        var result = await Bench(["-p", "1", "-n", "1", .. withPaths], null, cancellationToken);

        result.ExitCode.Should().Be(2);
        result.Output.Should().BeEmpty();
        result.Error.Should().Match(message);
    }

    [Test]
    public async Task The_help_lists_the_tls_options(CancellationToken cancellationToken)
    {
        var result = await Bench(["--help"], null, cancellationToken);

        result.ExitCode.Should().Be(0);
        result.Output.Should().Contain("--tls-ca").And.Contain("--tls-cert").And.Contain("--tls-key").And.Contain("--tls-host").And.Contain("--tls-insecure");
    }

    private string Pem(string name) => _files.Pem(name);

    private static string Port(TlsTestServer server) => server.Port.ToString(CultureInfo.InvariantCulture);

    private static Task<(int ExitCode, string Output, string Error)> Bench(string[] arguments, Dictionary<string, string?>? given, CancellationToken cancellationToken)
    {
        var environment = new Dictionary<string, string?>
        {
            ["KV_TLS"] = null, ["KV_TLS_CA"] = null, ["KV_TLS_CLIENT_CERT"] = null, ["KV_TLS_CLIENT_KEY"] = null, ["KV_TLS_HOST"] = null,
            ["KV_USER"] = null, ["KV_PASSWORD"] = null, ["KV_PORT"] = null, ["KV_HOST"] = null,
        };
        foreach (var (name, value) in given ?? [])
        {
            environment[name] = value;
        }

        return ToolProcess.RunAsync(BenchPath, arguments, environment: environment, cancellationToken: cancellationToken);
    }
}
