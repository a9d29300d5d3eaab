namespace Kv.Protocol;

/// <summary>The status byte at offset 1 of every response.</summary>
public enum ResponseStatus : byte
{
    /// <summary>The command succeeded; the payload is its result.</summary>
    Ok = 0,

    /// <summary>The command failed; the payload is a message (in version 1, preceded by an error code).</summary>
    Error = 1,

    /// <summary>Version 1 only: the key does not exist (GET, CLEAR). The payload is empty.</summary>
    NotFound = 2,
}
