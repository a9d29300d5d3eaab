namespace Kv.Protocol.Tests.Support;

/// <summary>Byte comparison that stays fast for 1 MiB buffers and reports where two buffers first differ.</summary>
internal static class Bytes
{
    public static void ShouldEqual(ReadOnlySpan<byte> actual, ReadOnlySpan<byte> expected, string what)
    {
        if (actual.SequenceEqual(expected))
        {
            return;
        }

        var common = Math.Min(actual.Length, expected.Length);
        var at = actual[..common].CommonPrefixLength(expected[..common]);
        var from = Math.Max(0, at - 8);
        Assert.Fail(
            $"{what}: {actual.Length} bytes, expected {expected.Length}; first difference at offset {at}. " +
            $"Actual from {from}: {Hex.Format(Window(actual, from))}, expected: {Hex.Format(Window(expected, from))}");
    }

    /// <summary>
    /// True when <paramref name="inner"/> lies inside <paramref name="outer"/>'s memory (a slice, not a copy). An empty
    /// span has no memory to compare, so it counts as a slice.
    /// </summary>
    public static bool IsSliceOf(ReadOnlySpan<byte> inner, ReadOnlySpan<byte> outer) =>
        inner.IsEmpty || (outer.Overlaps(inner, out var offset) && offset >= 0 && offset + inner.Length <= outer.Length);

    private static ReadOnlySpan<byte> Window(ReadOnlySpan<byte> bytes, int from) =>
        from >= bytes.Length ? [] : bytes.Slice(from, Math.Min(24, bytes.Length - from));
}
