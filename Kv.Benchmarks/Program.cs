using BenchmarkDotNet.Running;

namespace Kv.Benchmarks;

/// <summary>
/// Runs the Kv benchmarks. Pass BenchmarkDotNet's arguments, for example
/// <c>dotnet run -c Release --project Kv.Benchmarks -- --filter '*' --job short</c>.
/// </summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
