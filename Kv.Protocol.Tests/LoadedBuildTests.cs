using System.Reflection;
using System.Runtime.Versioning;

namespace Kv.Protocol.Tests;

/// <summary>
/// States which build of Kv.Protocol these tests ran against. The csproj records the target framework it referenced
/// (net10.0, or KV_PROTOCOL_TFM, as in <c>-p:KV_PROTOCOL_TFM=netstandard2.0</c>) in the test assembly's metadata,
/// and the loaded library's own TargetFrameworkAttribute must match it.
/// </summary>
public class LoadedBuildTests
{
    [Test]
    public void The_loaded_Kv_Protocol_is_the_build_the_tests_were_built_against()
    {
        var library = typeof(CommandParser).Assembly;
        var loaded = library.GetCustomAttribute<TargetFrameworkAttribute>()?.FrameworkName;
        var referenced = typeof(LoadedBuildTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "KvProtocolTargetFramework").Value;

        TestContext.Out.WriteLine($"Kv.Protocol {library.GetName().Version} built for {loaded}, loaded from {library.Location}; referenced as {referenced}");

        loaded.Should().Be(referenced switch
        {
            "net10.0" => ".NETCoreApp,Version=v10.0",
            "netstandard2.0" => ".NETStandard,Version=v2.0",
            _ => $"(a framework this test does not know: {referenced})",
        });
    }
}
