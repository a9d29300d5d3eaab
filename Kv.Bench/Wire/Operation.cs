namespace Kv.Bench.Wire;

/// <summary>The operations a benchmark can run.</summary>
internal enum Operation
{
    Set,
    Get,
    Ping,

    /// <summary>Removes the key: CLEAR in Kv, DEL in Redis.</summary>
    Clear,
}

/// <summary>How the server answered one request.</summary>
internal enum Outcome
{
    Ok,
    Miss,
    Error,
}
