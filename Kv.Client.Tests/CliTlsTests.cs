using Kv.Testing.Tls;

namespace Kv.Client.Tests;

/// <summary>
/// <c>kv --tls</c>, <c>--tls-ca</c>, <c>--tls-cert</c>/<c>--tls-key</c>, <c>--tls-host</c>, <c>--tls-insecure</c> and
/// their variables, as a real process against <see cref="TlsTestServer"/> with PEM files the test wrote.
/// </summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class CliTlsTests
{
    private TestCertificateFiles _files = null!;

    [OneTimeSetUp]
    public void CreateCertificates() => _files = TestCertificateFiles.Create("kv-cli-tls");

    [OneTimeTearDown]
    public void DisposeCertificates() => _files.Dispose();

    private string Pem(string name) => _files.Pem(name);

    [Test]
    public async Task Tls_ca_trusts_the_servers_certificate()
    {
        await using var server = TlsTestServer.Start(_files.Certificates.Server);

        (await Kv(null, "-p", Port(server), "--tls-ca", Pem("ca.pem"), "set", "k", "v")).Should().Be((0, "OK\n", string.Empty));
        (await Kv(null, "-p", Port(server), "--tls", "--tls-ca", Pem("ca.pem"), "get", "k")).Should().Be((0, "v\n", string.Empty));
        server.CompletedHandshakes.Should().Be(2);
    }

    [Test]
    public async Task Without_tls_ca_an_untrusted_certificate_exits_2_and_says_why()
    {
        await using var server = TlsTestServer.Start(_files.Certificates.Server);

        var result = await Kv(null, "-p", Port(server), "--tls", "ping");

        result.ExitCode.Should().Be(2);
        result.Output.Should().BeEmpty();
        result.Error.Should().StartWith("kv: The TLS handshake").And.Contain("RemoteCertificateChainErrors").And.Contain("--tls-ca");
    }

    [Test]
    public async Task Tls_host_is_the_name_checked()
    {
        await using var server = TlsTestServer.Start(_files.Certificates.Server);

        (await Kv(null, "-p", Port(server), "--tls-ca", Pem("ca.pem"), "--tls-host", "localhost", "ping")).Should().Be((0, "PONG\n", string.Empty));
        var wrong = await Kv(null, "-p", Port(server), "--tls-ca", Pem("ca.pem"), "--tls-host", "cache.example", "ping");
        wrong.ExitCode.Should().Be(2);
        wrong.Error.Should().Contain("RemoteCertificateNameMismatch").And.Contain("cache.example");
    }

    [Test]
    public async Task Tls_cert_and_key_present_a_client_certificate()
    {
        await using var server = TlsTestServer.Start(_files.Certificates.Server, clientAuthority: _files.Certificates.Authority);

        var result = await Kv(null, "-p", Port(server), "--tls-ca", Pem("ca.pem"), "--tls-cert", Pem("client.pem"), "--tls-key", Pem("client.key"), "ping", "mutual");

        result.Should().Be((0, "mutual\n", string.Empty));
        server.ClientSubjects.Should().Equal("CN=kv-test-client");
    }

    [Test]
    public async Task The_variables_give_the_same_options()
    {
        await using var server = TlsTestServer.Start(_files.Certificates.Server, clientAuthority: _files.Certificates.Authority);
        var environment = new Dictionary<string, string?>
        {
            ["KV_TLS"] = "1",
            ["KV_TLS_CA"] = Pem("ca.pem"),
            ["KV_TLS_CLIENT_CERT"] = Pem("client.pem"),
            ["KV_TLS_CLIENT_KEY"] = Pem("client.key"),
            ["KV_TLS_HOST"] = "localhost",
        };

        (await Kv(environment, "-p", Port(server), "ping")).Should().Be((0, "PONG\n", string.Empty));
    }

    [Test]
    public async Task Tls_insecure_connects_and_warns_on_standard_error()
    {
        await using var server = TlsTestServer.Start(_files.Certificates.Server);

        var result = await Kv(null, "-p", Port(server), "--tls-insecure", "ping");

        result.ExitCode.Should().Be(0);
        result.Output.Should().Be("PONG\n");
        result.Error.Should().StartWith("kv: WARNING: --tls-insecure: the server's certificate is NOT checked");
    }

    [Test]
    public async Task The_prompt_connects_over_tls_once_for_all_its_commands()
    {
        await using var server = TlsTestServer.Start(_files.Certificates.Server, password: "s3cret");
        var all = new Dictionary<string, string?>
        {
            ["KV_TLS"] = null, ["KV_TLS_CLIENT_CERT"] = null, ["KV_TLS_CLIENT_KEY"] = null, ["KV_TLS_HOST"] = null,
            ["KV_USER"] = null, ["KV_HOST"] = null, ["KV_PORT"] = null, ["KV_PASSWORD"] = "s3cret", ["KV_TLS_CA"] = Pem("ca.pem"),
        };

        var result = await CliProcess.RunAsync(["-p", Port(server)], input: "set greeting hello\nget greeting\n", environment: all);

        result.Should().Be((0, "OK\nhello\n", string.Empty));
        server.CompletedHandshakes.Should().Be(1);
    }

    [Test]
    public async Task Bad_tls_options_exit_2_naming_the_option()
    {
        var missing = await Kv(null, "--tls-ca", Pem("nothing.pem"), "ping");
        missing.ExitCode.Should().Be(2);
        missing.Error.Should().StartWith("kv: --tls-ca: cannot read");

        var alone = await Kv(null, "--tls-cert", Pem("client.pem"), "ping");
        alone.ExitCode.Should().Be(2);
        alone.Error.Should().Contain("--tls-cert and --tls-key go together");

        var notPem = await Kv(null, "--tls-ca", Pem("client.key"), "ping");
        notPem.ExitCode.Should().Be(2);
        notPem.Error.Should().Contain("--tls-ca");

        var prompt = await Kv(null, "--tls-ca", Pem("nothing.pem"));
        prompt.ExitCode.Should().Be(2);
        prompt.Error.Should().StartWith("kv: --tls-ca: cannot read");
    }

    [Test]
    public async Task The_help_lists_the_tls_options()
    {
        var result = await Kv(null, "--help");

        result.ExitCode.Should().Be(0);
        result.Output.Should().Contain("--tls-ca").And.Contain("--tls-cert").And.Contain("--tls-key").And.Contain("--tls-host")
            .And.Contain("--tls-insecure").And.Contain("KV_TLS_CLIENT_CERT");
    }

    private static string Port(TlsTestServer server) => server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static Task<(int ExitCode, string Output, string Error)> Kv(Dictionary<string, string?>? environment, params string[] arguments)
    {
        var all = new Dictionary<string, string?>
        {
            ["KV_TLS"] = null, ["KV_TLS_CA"] = null, ["KV_TLS_CLIENT_CERT"] = null, ["KV_TLS_CLIENT_KEY"] = null, ["KV_TLS_HOST"] = null,
            ["KV_USER"] = null, ["KV_PASSWORD"] = null, ["KV_HOST"] = null, ["KV_PORT"] = null,
        };
        foreach (var (name, value) in environment ?? [])
        {
            all[name] = value;
        }

        return CliProcess.RunAsync(arguments, environment: all);
    }
}
