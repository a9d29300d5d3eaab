namespace Kv.Protocol;

/// <summary>
/// Why a frame was rejected. In protocol version 1 these numbers travel on the wire, as the u16 that starts
/// the body of an ERROR response, so their values never change.
/// </summary>
public enum ProtocolErrorCode : ushort
{
    /// <summary>No error.</summary>
    None = 0,

    /// <summary>The header byte names a protocol version this peer does not speak. The detail is the byte.</summary>
    UnsupportedVersion = 1,

    /// <summary>The command number is not one this peer knows. The detail is the number.</summary>
    UnknownCommand = 2,

    /// <summary>A string's length prefix would make the frame larger than the limit. The detail is the length.</summary>
    StringTooLarge = 3,

    /// <summary>A version-1 body length would make the frame larger than the limit. The detail is the frame size.</summary>
    FrameTooLarge = 4,

    /// <summary>
    /// A version-1 frame whose arguments do not fill its body exactly, or an ERROR response body too short
    /// for its error code. The detail is the offset, within the frame, where the problem was found.
    /// </summary>
    MalformedFrame = 5,

    /// <summary>A response's status byte is not one this peer knows. The detail is the byte.</summary>
    UnknownStatus = 6,

    /// <summary>The server refused the connection because it already serves its maximum number of connections.</summary>
    TooManyConnections = 7,

    /// <summary>The server failed to carry out a well-formed command.</summary>
    ServerError = 8,

    /// <summary>
    /// The server had no memory for the write (its store's limit, or the system's): the write was not applied, and the
    /// key keeps its previous value. Reads and removals still work.
    /// </summary>
    OutOfMemory = 9,

    /// <summary>
    /// The server refuses writes for now, because it cannot make them durable (its disk is full): the write was not
    /// applied, except one already in flight when the disk filled, which may be applied in memory and may yet reach the
    /// disk. Reads go on, and writes are accepted again once the disk has room.
    /// </summary>
    WriteRefused = 10,

    /// <summary>
    /// A well-formed command whose options do not make sense: option bits that are unknown or that exclude each other, or
    /// a time that does not fit them (<see cref="CommandOptions.Validate"/> gives the message). Nothing was changed, and
    /// the connection stays open.
    /// </summary>
    InvalidArgument = 11,

    /// <summary>
    /// AUTH named a user the server does not have, or a wrong password (the answer does not say which). The connection
    /// stays unauthenticated; the server may delay the answer and closes the connection after too many failures.
    /// </summary>
    AuthenticationFailed = 12,

    /// <summary>
    /// The server requires authentication and the connection has not authenticated yet: every command but AUTH and PING
    /// is refused. Nothing was changed, and the connection stays open.
    /// </summary>
    NotAuthenticated = 13,

    /// <summary>
    /// The connection's user is not permitted to run the command (a read-only user's write, for example). Nothing was
    /// changed, and the connection stays open.
    /// </summary>
    PermissionDenied = 14,
}
