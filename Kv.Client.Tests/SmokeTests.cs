namespace Kv.Client.Tests;

public class SmokeTests
{
    [Test]
    public async Task Set_then_get()
    {
        await using var server = TestServer.Start();
        await using var client = await KvClient.ConnectAsync(server.EndPoint);
        await client.SetAsync("k", "v");
        (await client.GetAsync("k")).Should().Be("v");
        (await client.GetAsync("missing")).Should().BeNull();
        (await client.PingAsync()).Should().Be("PONG");
    }
}
