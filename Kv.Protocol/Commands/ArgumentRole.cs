namespace Kv.Protocol;

/// <summary>
/// What one argument of a command is, and so how it is carried and where a parsed view and the encoder put it. Key,
/// value and message are strings (a u32 length, then the bytes); flags and time are fixed-width integers.
/// </summary>
public enum ArgumentRole
{
    /// <summary>The key the command acts on (<see cref="CommandView.Key"/>): a string.</summary>
    Key,

    /// <summary>The value to store (<see cref="CommandView.Value"/>): a string.</summary>
    Value,

    /// <summary>A message to echo, carried where a value goes (<see cref="CommandView.Value"/>): a string.</summary>
    Message,

    /// <summary>
    /// The command's option bits (<see cref="CommandView.Flags"/>): a big-endian u16, whose meaning is the command's own
    /// (<see cref="SetFlags"/>, <see cref="ExpireFlags"/>, <see cref="GetExFlags"/>).
    /// </summary>
    Flags,

    /// <summary>
    /// A time in milliseconds (<see cref="CommandView.Time"/>): a big-endian i64 in two's complement, relative or an
    /// absolute Unix time as the command's flags say.
    /// </summary>
    Time,

    /// <summary>
    /// The user name of AUTH, carried where a key goes (<see cref="CommandView.User"/>, the same bytes as
    /// <see cref="CommandView.Key"/>): a string.
    /// </summary>
    User,

    /// <summary>
    /// The password of AUTH, carried where a value goes (<see cref="CommandView.Password"/>, the same bytes as
    /// <see cref="CommandView.Value"/>): a string. Never printed by <see cref="Command.ToString"/>.
    /// </summary>
    Password,
}
