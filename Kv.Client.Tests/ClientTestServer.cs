using Kv.Server.Hosting;

namespace Kv.Client.Tests;

/// <summary>The options the client tests run their in-process server with.</summary>
internal static class ClientTestServer
{
    /// <summary>A short shutdown timeout: tests stop servers under clients that are still connected.</summary>
    public static KvServerOptions Options(KvServerOptions options) => options with { ShutdownTimeout = TimeSpan.FromSeconds(2) };
}
