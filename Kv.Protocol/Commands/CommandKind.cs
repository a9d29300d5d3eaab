namespace Kv.Protocol;

/// <summary>The command number, a big-endian u16 at offset 1 of every request.</summary>
public enum CommandKind : ushort
{
    /// <summary>GET key: read the value stored at a key.</summary>
    Get = 0,

    /// <summary>SET key value: store a value at a key, replacing any previous one.</summary>
    Set = 1,

    /// <summary>CLEAR key: remove a key and answer its previous value.</summary>
    Clear = 2,

    /// <summary>PING message: answer the message, or <c>PONG</c> for an empty one.</summary>
    Ping = 3,
}
