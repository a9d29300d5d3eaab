using Kv.Server.Hosting;

namespace Kv.Server.Tests.Hosting;

/// <summary>
/// The threading model is a server option (<see cref="KvServerOptions.Transport"/>, <see cref="KvServerOptions.EventThreads"/>),
/// applied the same way by the binary and by the in-process server the tests use.
/// </summary>
public class ThreadingModelTests
{
    [Test]
    public async Task The_in_process_test_server_runs_the_event_loops_the_options_ask_for()
    {
        if (InProcessServer.TestTransport == ServerTransport.Sockets)
        {
            Assert.Ignore("This run serves the tests over the sockets transport (KV_TRANSPORT=sockets).");
        }

        await using var server = InProcessServer.Start(o => o with { EventThreads = 3 });
        server.Server.Transport.Should().Be(ServerTransport.EventLoop);
        LoopThreads(Environment.ProcessId, server.EndPoint.Port).Should().Be(3, "one thread per event loop");

        // Requests are served there: a round trip works on each of the three loops (connections are dealt in turn).
        for (var i = 0; i < 3; i++)
        {
            using var connection = await server.ConnectAsync();
            (await connection.ExecuteAsync(Kv.Protocol.Command.Ping($"loop {i}"))).PayloadText.Should().Be($"loop {i}");
        }
    }

    [Test]
    public async Task The_binary_runs_the_same_event_loops_from_the_same_option()
    {
        using var server = await ServerProcess.StartAsync("--port", "0", "--io-threads", "2", "--transport", "epoll");
        LoopThreads(server.Pid, server.EndPoint.Port).Should().Be(2);
    }

    [Test]
    public async Task Under_the_sockets_transport_the_tests_run_with_the_binary_s_socket_engine_settings()
    {
        if (InProcessServer.TestTransport != ServerTransport.Sockets)
        {
            Assert.Ignore("This run serves the tests over the event loops.");
        }

        // kv-server sets these before any socket exists; .ci/run sets them for the test process in the same way.
        Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS").Should().Be("1");
        await using var server = InProcessServer.Start();
        server.Server.Transport.Should().Be(ServerTransport.Sockets);
    }

    // The loops of the server on this port (threads are named kv-loop-PORT-INDEX).
    private static int LoopThreads(int pid, int port) =>
        Directory.GetDirectories($"/proc/{pid}/task").Count(task => File.ReadAllText(Path.Combine(task, "comm")).StartsWith($"kv-loop-{port}-", StringComparison.Ordinal));
}
