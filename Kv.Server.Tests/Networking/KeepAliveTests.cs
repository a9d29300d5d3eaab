using System.Globalization;

namespace Kv.Server.Tests.Networking;

/// <summary>
/// TCP keepalive on the server's side of client connections, read from the kernel's own table (/proc/net/tcp, whose
/// timer column says which timer runs on a socket and when it fires): on by default at 300 s, as Redis, configurable,
/// and off at 0.
/// </summary>
[Platform(Include = "Linux")]
public class KeepAliveTests
{
    // USER_HZ: /proc/net/tcp gives timer expiries in clock ticks of 1/100 s.
    private const double TicksPerSecond = 100;

    [TestCase(300)]
    [TestCase(7)]
    public async Task Client_connections_have_a_keepalive_timer_of_the_configured_time(int seconds)
    {
        await using var server = InProcessServer.Start(o => seconds == 300 ? o : o with { TcpKeepAlive = TimeSpan.FromSeconds(seconds) });
        using var connection = await server.ConnectAsync();
        (await connection.ExecuteAsync(Kv.Protocol.Command.Ping())).Status.Should().Be(Kv.Protocol.ResponseStatus.Ok);

        var (timer, expiresInSeconds) = ServerSideTimer(server.EndPoint.Port, ((System.Net.IPEndPoint)connection.Socket.LocalEndPoint!).Port);
        timer.Should().Be(2, "2 is the keepalive timer");
        expiresInSeconds.Should().BeInRange(seconds - 5, seconds);
    }

    [Test]
    public async Task A_keepalive_of_zero_sets_no_timer()
    {
        await using var server = InProcessServer.Start(o => o with { TcpKeepAlive = TimeSpan.Zero });
        using var connection = await server.ConnectAsync();
        (await connection.ExecuteAsync(Kv.Protocol.Command.Ping())).Status.Should().Be(Kv.Protocol.ResponseStatus.Ok);

        ServerSideTimer(server.EndPoint.Port, ((System.Net.IPEndPoint)connection.Socket.LocalEndPoint!).Port).Timer.Should().Be(0);
    }

    // The server's socket of the connection from clientPort: its timer kind and when it fires.
    private static (int Timer, double ExpiresInSeconds) ServerSideTimer(int serverPort, int clientPort)
    {
        var local = $":{serverPort:X4}";
        var remote = $":{clientPort:X4}";
        foreach (var line in File.ReadLines("/proc/net/tcp").Skip(1))
        {
            // sl local_address rem_address st tx_queue:rx_queue tr:tm->when ...
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields[1].EndsWith(local, StringComparison.Ordinal) && fields[2].EndsWith(remote, StringComparison.Ordinal) && fields[3] == "01")
            {
                var timer = fields[5].Split(':');
                return (int.Parse(timer[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                    long.Parse(timer[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture) / TicksPerSecond);
            }
        }

        throw new InvalidOperationException($"No established server socket on port {serverPort} from port {clientPort} in /proc/net/tcp");
    }
}
