using System.CommandLine;
using System.Net;
using Kv.Server.Hosting;
using Kv.Server.Security;

namespace Kv.Server.Tests.Security;

/// <summary>Protected mode and the security options of the command line (<c>--users</c>, <c>--password</c>, <c>--unprotected</c>, <c>hash-password</c>).</summary>
public class ProtectedModeTests
{
    [TestCase("0.0.0.0")]
    [TestCase("::")]
    [TestCase("192.168.1.10")]
    [TestCase("10.0.0.1")]
    public void A_non_loopback_address_without_authentication_is_refused_unless_unprotected(string address)
    {
        var options = new KvServerOptions { BindAddress = IPAddress.Parse(address) };

        options.CheckProtectedMode().Should().Contain("protected mode").And.Contain("--password").And.Contain("--users").And.Contain("--unprotected");
        (options with { Unprotected = true }).CheckProtectedMode().Should().BeNull();
        (options with { Users = UserDirectory.FromPassword("pw") }).CheckProtectedMode().Should().BeNull();
    }

    [TestCase("127.0.0.1")]
    [TestCase("127.0.0.2")]
    [TestCase("::1")]
    public void Loopback_needs_no_authentication(string address) =>
        new KvServerOptions { BindAddress = IPAddress.Parse(address) }.CheckProtectedMode().Should().BeNull();

    [Test]
    public void The_command_line_reads_the_security_options_and_their_variables()
    {
        Parse([]).Users.Should().BeNull();
        Parse([]).Unprotected.Should().BeFalse();
        Parse(["--unprotected"]).Unprotected.Should().BeTrue();
        Parse([], new() { ["KV_UNPROTECTED"] = "true" }).Unprotected.Should().BeTrue();
        Parse([], new() { ["KV_UNPROTECTED"] = "0" }).Unprotected.Should().BeFalse();
        Parse(["--password", "pw"]).Users!.Names.Should().Equal("default");
        Parse([], new() { ["KV_PASSWORD"] = "pw" }).Users!.Authenticate("", "pw"u8).Should().NotBeNull();

        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(path, [$"alice read {PasswordHash.Create("pw", PasswordHash.MinimumIterations)}"]);
            Parse(["--users", path]).Users!.Names.Should().Equal("alice");
            Parse([], new() { ["KV_USERS"] = path }).Users!.Names.Should().Equal("alice");
            FluentActions.Invoking(() => Parse(["--users", path, "--password", "pw"])).Should().Throw<ArgumentException>().WithMessage("*exclude each other*");
            File.WriteAllLines(path, ["alice reader HASH"]);
            FluentActions.Invoking(() => Parse(["--users", path])).Should().Throw<ArgumentException>().WithMessage($"--users: {path}, line 1: unknown permission 'reader'*");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void An_invalid_KV_UNPROTECTED_is_a_usage_error()
    {
        var commandLine = new ServerCommandLine(name => name == "KV_UNPROTECTED" ? "perhaps" : null);
        commandLine.Root.Parse([]).Errors.Should().ContainSingle().Which.Message.Should().Contain("KV_UNPROTECTED");
    }

    [Test]
    public void The_help_lists_the_security_options_and_the_subcommand()
    {
        var commandLine = new ServerCommandLine();
        commandLine.Root.Options.Select(o => o.Name).Should().Contain(["--users", "--password", "--unprotected"]);
        commandLine.Root.Description.Should().Contain("kv-server hash-password");
        HashPasswordCommand.Create().Options.Select(o => o.Name).Should().Contain(["--user", "--permission"]);
    }

    [Test]
    public void The_password_from_the_environment_is_not_shown_as_a_default()
    {
        var commandLine = new ServerCommandLine(name => name == "KV_PASSWORD" ? "hunter2" : null);
        commandLine.Password.HasDefaultValue.Should().BeFalse("the help would print it");
    }

    [Test]
    public async Task Kv_server_refuses_to_start_on_all_addresses_without_authentication()
    {
        var (exitCode, errors) = await ServerProcess.RunToExitAsync("--bind", "0.0.0.0", "--port", "0");

        exitCode.Should().Be(Kv.CommandLine.ExitCodes.Error);
        errors.Should().Contain("protected mode").And.Contain("--password").And.Contain("--unprotected");
    }

    [Test]
    public async Task Kv_server_refuses_a_bad_users_file_naming_the_line()
    {
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllLinesAsync(path, ["# users", "alice"]);
            var (exitCode, errors) = await ServerProcess.RunToExitAsync("--users", path, "--port", "0");
            exitCode.Should().Be(Kv.CommandLine.ExitCodes.Error);
            errors.Should().Contain($"{path}, line 2");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public async Task Kv_server_with_a_password_serves_authenticated_clients()
    {
        using var server = await ServerProcess.StartAsync(new Dictionary<string, string> { ["KV_PASSWORD"] = "process-secret" }, "--port", "0");
        using var connection = await WireConnection.ConnectAsync(server.EndPoint);
        (await connection.ExecuteAsync(Kv.Protocol.Command.Get("k", Kv.Protocol.ProtocolVersion.V1, 1))).ErrorCode.Should().Be(Kv.Protocol.ProtocolErrorCode.NotAuthenticated);
        (await connection.ExecuteAsync(Kv.Protocol.Command.Auth("", "process-secret", 2))).Status.Should().Be(Kv.Protocol.ResponseStatus.Ok);
        (await connection.ExecuteAsync(Kv.Protocol.Command.Set("k", "v", Kv.Protocol.ProtocolVersion.V1, 3))).Status.Should().Be(Kv.Protocol.ResponseStatus.Ok);
        server.Errors.Should().NotContain("process-secret");
    }

    [Test]
    public async Task Kv_server_hash_password_reads_standard_input_and_prints_a_line()
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "Kv.Server.dll"), "hash-password", "--user", "bob", "--permission", "read" },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        await process.StandardInput.WriteLineAsync("from stdin");
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        process.ExitCode.Should().Be(0, await process.StandardError.ReadToEndAsync());
        UserDirectory.Parse([output.Trim()], "output").Authenticate("bob", "from stdin"u8).Should().NotBeNull();
    }

    [Test]
    public void Hash_password_prints_a_users_file_line_that_verifies()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        HashPasswordCommand.Run("alice", "readwrite", new StringReader("s3cret pass\nignored\n"), output, error).Should().Be(0);

        error.ToString().Should().BeEmpty();
        var line = output.ToString().TrimEnd();
        line.Should().StartWith("alice readwrite pbkdf2-sha256$600000$").And.NotContain("s3cret");
        var users = UserDirectory.Parse([line], "output");
        users.Authenticate("alice", "s3cret pass"u8).Should().NotBeNull();
        users.Authenticate("alice", "s3cret"u8).Should().BeNull();
    }

    [TestCase("alice", "superuser", "")]
    [TestCase("al ice", "read", "pw")]
    [TestCase("alice", "read", "")]
    public void Hash_password_refuses_bad_input(string user, string permission, string input)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        HashPasswordCommand.Run(user, permission, new StringReader(input), output, error).Should().Be(Kv.CommandLine.ExitCodes.Error);
        output.ToString().Should().BeEmpty();
        error.ToString().Should().StartWith("kv-server hash-password: ");
    }

    private static KvServerOptions Parse(string[] args, Dictionary<string, string>? environment = null)
    {
        var commandLine = new ServerCommandLine(name => environment?.GetValueOrDefault(name));
        var result = commandLine.Root.Parse(args);
        result.Errors.Should().BeEmpty();
        return commandLine.ToOptions(result);
    }
}
