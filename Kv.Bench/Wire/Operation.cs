namespace Kv.Bench.Wire;

/// <summary>The operations a benchmark can run.</summary>
internal enum Operation
{
    Set,
    Get,
    Ping,

    /// <summary>Removes the key: CLEAR in Kv, DEL in Redis.</summary>
    Clear,

    /// <summary>
    /// A cache-aside lookup: a GET, and on a miss a SET of that key (the fill), as an application in front of a database
    /// does. Never written as such: the worker sends a GET, or a SET for a miss.
    /// </summary>
    Cache,
}

/// <summary>How the server answered one request.</summary>
internal enum Outcome
{
    Ok,
    Miss,
    Error,
}
