using System.Text.RegularExpressions;

namespace Kv.Protocol.Tests;

/// <summary>The package README's sample is the code Kv.Protocol.Samples compiles for both targets, and it runs.</summary>
public partial class ReadmeSampleTests
{
    private static string Root => Path.GetFullPath(Path.Combine(TestContext.CurrentContext.TestDirectory, "..", "..", "..", ".."));

    [Test]
    public void The_readme_shows_the_compiled_sample()
    {
        var readme = File.ReadAllText(Path.Combine(Root, "Kv.Protocol", "README.md"));
        var sample = File.ReadAllText(Path.Combine(Root, "Kv.Protocol.Samples", "ReadmeSample.cs"));
        var shown = CodeBlock().Match(readme).Groups["code"].Value;
        var compiled = Marked().Match(sample).Groups["code"].Value;

        Lines(shown).Where(l => !UsingDirective().IsMatch(l)).Should().Equal(Lines(compiled));
        Lines(shown).Where(l => UsingDirective().IsMatch(l)).Should().BeSubsetOf(Lines(sample));
    }

    [Test]
    public void The_sample_runs() => Kv.Protocol.Samples.ReadmeSample.Run().Should().Be(ParseStatus.Complete);

    private static List<string> Lines(string code) =>
        code.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();

    [GeneratedRegex("```csharp\\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex CodeBlock();

    [GeneratedRegex(@"^using [A-Za-z.]+;$")]
    private static partial Regex UsingDirective();

    [GeneratedRegex("// README begin\\n(?<code>.*?)// README end", RegexOptions.Singleline)]
    private static partial Regex Marked();
}
