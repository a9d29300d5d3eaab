namespace Kv.Fuzz.Harnesses;

/// <summary>
/// A clock that never moves, for the connection harness's store: its monotonic time is always 0 and its wall clock always
/// <see cref="UnixMilliseconds"/>, so that every expiry the store computes is the one <see cref="ProtocolModel"/> computes,
/// whatever the real clock does while an input runs.
/// </summary>
internal sealed class FrozenClock : TimeProvider
{
    /// <summary>The wall-clock time, 2026-01-01T00:00:00Z, in Unix milliseconds.</summary>
    public const long UnixMilliseconds = 1_767_225_600_000;

    public static FrozenClock Instance { get; } = new();

    /// <inheritdoc />
    public override long GetTimestamp() => 0;

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(UnixMilliseconds);
}
