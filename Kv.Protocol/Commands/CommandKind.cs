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

    /// <summary>
    /// SETX key value flags time (version 1): store a value under a condition, with an expiry, optionally answering the
    /// previous value (Redis's <c>SET key value [NX|XX] [GET] [PX|PXAT|KEEPTTL]</c>); see <see cref="SetFlags"/>.
    /// </summary>
    SetX = 4,

    /// <summary>EXPIRE key flags time (version 1): set a key's expiry under a condition (Redis 7's <c>PEXPIRE</c>/<c>PEXPIREAT</c>); see <see cref="ExpireFlags"/>.</summary>
    Expire = 5,

    /// <summary>PERSIST key (version 1): remove a key's expiry.</summary>
    Persist = 6,

    /// <summary>TTL key (version 1): the milliseconds a key has left, or -1 when it has no expiry (Redis's <c>PTTL</c>).</summary>
    Ttl = 7,

    /// <summary>GETEX key flags time (version 1): read a key and set or remove its expiry (Redis's <c>GETEX</c>); see <see cref="GetExFlags"/>.</summary>
    GetEx = 8,

    /// <summary>GETDEL key (version 1): remove a key and answer its value (Redis's <c>GETDEL</c>).</summary>
    GetDel = 9,

    /// <summary>
    /// AUTH user password (version 1): authenticate the connection as a user of the server (Redis 6's <c>AUTH username
    /// password</c>). Answers OK with an empty body, or ERROR <see cref="ProtocolErrorCode.AuthenticationFailed"/>.
    /// </summary>
    Auth = 10,
}
