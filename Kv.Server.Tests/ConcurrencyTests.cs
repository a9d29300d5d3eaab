using Kv.Protocol;

namespace Kv.Server.Tests;

public class ConcurrencyTests
{
    [Test]
    public async Task Two_hundred_concurrent_connections_each_read_back_exactly_what_they_wrote()
    {
        await using var server = InProcessServer.Start();
        const int connections = 200;
        const int pairs = 100;

        var clients = Enumerable.Range(0, connections).Select(async c =>
        {
            using var connection = await server.ConnectAsync();
            var version = c % 2 == 0 ? ProtocolVersion.V0 : ProtocolVersion.V1;
            for (var i = 0; i < pairs; i++)
            {
                var key = $"conn-{c}-key-{i % 10}";
                var value = $"conn-{c}-value-{i}-{new string('v', (c * 7 + i) % 300)}";
                var id = version == ProtocolVersion.V1 ? (uint)i : 0;
                (await connection.ExecuteAsync(Command.Set(key, value, version, id))).Status.Should().Be(ResponseStatus.Ok);
                var read = await connection.ExecuteAsync(Command.Get(key, version, id));
                read.PayloadText.Should().Be(value);
                read.RequestId.Should().Be(id);
            }
        }).ToArray();

        await Task.WhenAll(clients);
        server.Server.Store.Count.Should().Be(connections * 10);
    }

    [Test]
    public async Task Connections_writing_the_same_keys_leave_one_of_the_written_values()
    {
        await using var server = InProcessServer.Start();
        var writers = Enumerable.Range(0, 16).Select(async w =>
        {
            using var connection = await server.ConnectAsync();
            for (var i = 0; i < 200; i++)
            {
                await connection.ExecuteAsync(Command.Set($"contended-{i % 5}", $"writer-{w}-{new string('x', w * 10)}"));
            }
        }).ToArray();
        await Task.WhenAll(writers);

        using var reader = await server.ConnectAsync();
        for (var k = 0; k < 5; k++)
        {
            var value = (await reader.ExecuteAsync(Command.Get($"contended-{k}"))).PayloadText;
            value.Should().MatchRegex("^writer-([0-9]+)-x*$");
            var writer = int.Parse(value.Split('-')[1]);
            value.Should().Be($"writer-{writer}-{new string('x', writer * 10)}", "a value is never torn between writers");
        }
    }
}
