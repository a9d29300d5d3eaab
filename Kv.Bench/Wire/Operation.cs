namespace Kv.Bench.Wire;

/// <summary>The operations a benchmark can run.</summary>
internal enum Operation
{
    Set,
    Get,
    Ping,
}

/// <summary>How the server answered one request.</summary>
internal enum Outcome
{
    Ok,
    Miss,
    Error,
}
