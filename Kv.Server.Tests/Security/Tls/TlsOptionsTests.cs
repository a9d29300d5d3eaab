using System.CommandLine;
using Kv.Server.Hosting;

namespace Kv.Server.Tests.Security.Tls;

/// <summary>The TLS options: the command line and its variables, the combinations refused, files that do not load.</summary>
public class TlsOptionsTests
{
    [Test]
    public void The_command_line_reads_the_tls_options_and_their_variables()
    {
        var none = Parse([]);
        none.TlsPort.Should().BeNull();
        none.TlsHandshakeTimeout.Should().Be(TimeSpan.FromSeconds(10));

        var given = Parse(["--tls-port", "6556", "--tls-cert", "s.crt", "--tls-key", "s.key", "--tls-client-ca", "ca.crt", "--tls-handshake-timeout", "2.5"]);
        given.TlsPort.Should().Be(6556);
        given.TlsCertificateFile.Should().Be("s.crt");
        given.TlsKeyFile.Should().Be("s.key");
        given.TlsClientCaFile.Should().Be("ca.crt");
        given.TlsHandshakeTimeout.Should().Be(TimeSpan.FromSeconds(2.5));

        var variables = Parse([], new()
        {
            ["KV_TLS_PORT"] = "7000", ["KV_TLS_CERT"] = "a.crt", ["KV_TLS_KEY"] = "a.key", ["KV_TLS_CLIENT_CA"] = "c.crt", ["KV_TLS_HANDSHAKE_TIMEOUT"] = "3",
        });
        variables.TlsPort.Should().Be(7000);
        variables.TlsCertificateFile.Should().Be("a.crt");
        variables.TlsKeyFile.Should().Be("a.key");
        variables.TlsClientCaFile.Should().Be("c.crt");
        variables.TlsHandshakeTimeout.Should().Be(TimeSpan.FromSeconds(3));
    }

    [TestCase(new[] { "--tls-port", "70000", "--tls-cert", "a", "--tls-key", "b" }, "--tls-port")]
    [TestCase(new[] { "--tls-port", "6556" }, "--tls-port needs --tls-cert and --tls-key")]
    [TestCase(new[] { "--tls-port", "6556", "--tls-cert", "a" }, "--tls-cert and --tls-key go together")]
    [TestCase(new[] { "--tls-port", "6556", "--tls-key", "b" }, "--tls-cert and --tls-key go together")]
    [TestCase(new[] { "--tls-cert", "a", "--tls-key", "b" }, "need --tls-port")]
    [TestCase(new[] { "--tls-client-ca", "c" }, "need --tls-port")]
    [TestCase(new[] { "--tls-port", "6556", "--tls-cert", "a", "--tls-key", "b", "--tls-client-user", "cn", "--password", "p" }, "--tls-client-user cn needs --tls-client-ca*")]
    [TestCase(new[] { "--tls-port", "6556", "--tls-cert", "a", "--tls-key", "b", "--tls-client-ca", "c", "--tls-client-user", "cn" }, "--tls-client-user cn needs*--users or --password*")]
    [TestCase(new[] { "--tls-port", "6556", "--tls-cert", "a", "--tls-key", "b", "--tls-handshake-timeout", "0" }, "--tls-handshake-timeout")]
    public void Bad_combinations_are_refused_naming_the_option(string[] args, string message)
    {
        var commandLine = new ServerCommandLine(_ => null);
        var result = commandLine.Root.Parse(args);
        if (result.Errors.Count > 0)
        {
            string.Join(" ", result.Errors.Select(e => e.Message)).Should().Contain(message);
            return;
        }

        var converting = () => commandLine.ToOptions(result);
        converting.Should().Throw<ArgumentException>().WithMessage($"*{message}*");
    }

    [Test]
    public void Certificate_files_that_do_not_load_are_a_start_up_error_naming_the_options()
    {
        using var files = new TestCertificates();
        var options = new KvServerOptions { Port = 0, TlsPort = 0, TlsCertificateFile = Path.Combine(files.Directory, "none.crt"), TlsKeyFile = Path.Combine(files.Directory, "none.key") };
        var creating = () => new Kv.Server.Networking.KvServer(options);
        creating.Should().Throw<ArgumentException>().WithMessage("*--tls-cert/--tls-key*none.crt*");

        // A key that is not the certificate's.
        using var authority = TestCertificates.CreateAuthority("CA");
        using var one = TestCertificates.CreateLeaf(authority, "one", server: true);
        using var two = TestCertificates.CreateLeaf(authority, "two", server: true);
        var first = files.WritePem(one, "one");
        var second = files.WritePem(two, "two");
        creating = () => new Kv.Server.Networking.KvServer(options with { TlsCertificateFile = first.Certificate, TlsKeyFile = second.Key });
        creating.Should().Throw<ArgumentException>().WithMessage("*--tls-*");
    }

    private static KvServerOptions Parse(string[] args, Dictionary<string, string>? environment = null)
    {
        var commandLine = new ServerCommandLine(name => environment is not null && environment.TryGetValue(name, out var value) ? value : null);
        var result = commandLine.Root.Parse(args);
        result.Errors.Should().BeEmpty();
        return commandLine.ToOptions(result);
    }
}
