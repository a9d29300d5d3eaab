namespace Kv.Fuzz;

/// <summary>A broken invariant: thrown out of a harness, so that afl-fuzz records the input as a crash.</summary>
public sealed class InvariantViolationException(string message) : Exception(message);

internal static class Invariant
{
    public static void That(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvariantViolationException(message);
        }
    }

    public static void Equal<T>(T expected, T actual, string what)
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
        {
            throw new InvariantViolationException($"{what}: expected {expected}, got {actual}");
        }
    }

    public static void SameBytes(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual, string what)
    {
        if (!expected.SequenceEqual(actual))
        {
            throw new InvariantViolationException($"{what}: expected {Convert.ToHexString(expected)}, got {Convert.ToHexString(actual)}");
        }
    }
}
