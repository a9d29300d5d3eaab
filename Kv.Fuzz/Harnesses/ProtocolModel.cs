using Kv.Protocol;

namespace Kv.Fuzz.Harnesses;

/// <summary>
/// The semantics of docs/protocol.md as a dictionary, written independently of the server's command files: what each
/// well-formed request must be answered. Time stands still (<see cref="FrozenClock"/>): an expiry is kept as the
/// milliseconds from that moment, as the store keeps it, and one at or before it removes the key at once.
/// </summary>
internal sealed class ProtocolModel
{
    // What the store's clock saturates at (its "no expiry").
    private const long Never = long.MaxValue;

    private readonly Dictionary<string, (byte[] Value, long ExpiresAt)> _keys = new();

    /// <summary>The model's answer for the connection harness: every request is carried out, and none closes.</summary>
    public ModelAnswer Answer(CommandView command) => new(Respond(command), Counted: true, Close: false);

    public Response Respond(in CommandView command)
    {
        var v1 = command.Version == ProtocolVersion.V1;
        var id = command.RequestId;
        var key = Convert.ToHexString(command.Key);
        var found = _keys.TryGetValue(key, out var entry);
        if (CommandOptions.Validate(command.Kind, command.Flags, command.Time) is { } invalid)
        {
            return Response.Error(invalid, command.Version, id, ProtocolErrorCode.InvalidArgument);
        }

        switch (command.Kind)
        {
            case CommandKind.Set:
                _keys[key] = (command.Value.ToArray(), Never);
                return v1 ? Response.Ok([], ProtocolVersion.V1, id) : Response.Ok(command.Key.ToArray());
            case CommandKind.Get:
                return found ? Response.Ok(entry.Value, command.Version, id) : v1 ? Response.NotFound(id) : Response.Error("Key not found");
            case CommandKind.Clear:
                _keys.Remove(key);
                return found ? Response.Ok(entry.Value, command.Version, id) : v1 ? Response.NotFound(id) : Response.Ok([]);
            case CommandKind.Ping:
                return Response.Ok(command.Value.IsEmpty ? "PONG"u8.ToArray() : command.Value.ToArray(), command.Version, id);
            case CommandKind.SetX:
                return SetX(key, found, entry, command);
            case CommandKind.Expire:
                return found ? Expire(key, entry, (ExpireFlags)command.Flags, command.Time, id) : Response.NotFound(id);
            case CommandKind.Persist:
                if (!found)
                {
                    return Response.NotFound(id);
                }

                _keys[key] = (entry.Value, Never);
                return Response.Applied(entry.ExpiresAt != Never, id);
            case CommandKind.Ttl:
                return found ? Response.TimeToLive(entry.ExpiresAt == Never ? -1 : entry.ExpiresAt, id) : Response.NotFound(id);
            case CommandKind.GetEx:
                if (!found)
                {
                    return Response.NotFound(id);
                }

                var flags = (GetExFlags)command.Flags;
                var next = flags switch
                {
                    GetExFlags.RelativeExpiry => After(command.Time),
                    GetExFlags.AbsoluteExpiry => FromUnix(command.Time),
                    GetExFlags.Persist => Never,
                    _ => entry.ExpiresAt,
                };
                Store(key, entry.Value, next);
                return Response.Ok(entry.Value, ProtocolVersion.V1, id);
            case CommandKind.GetDel:
                _keys.Remove(key);
                return found ? Response.Ok(entry.Value, ProtocolVersion.V1, id) : Response.NotFound(id);
            case CommandKind.Auth:
                // The harness's server has no authentication: AUTH is answered OK, whatever it carries.
                return Response.Ok([], ProtocolVersion.V1, id);
            default:
                throw new InvariantViolationException($"the parser completed an unknown command {command.Kind}");
        }
    }

    private Response SetX(string key, bool found, (byte[] Value, long ExpiresAt) entry, in CommandView command)
    {
        var flags = (SetFlags)command.Flags;
        var previous = (flags & SetFlags.ReturnPrevious) != 0 && found ? entry.Value : null;
        var existed = found ? SetReplyFlags.Existed : SetReplyFlags.None;
        if (((flags & SetFlags.IfMissing) != 0 && found) || ((flags & SetFlags.IfExists) != 0 && !found))
        {
            return Response.SetReply(existed, previous, command.RequestId);
        }

        var expiresAt = (flags & (SetFlags.RelativeExpiry | SetFlags.AbsoluteExpiry | SetFlags.KeepTtl)) switch
        {
            SetFlags.RelativeExpiry => After(command.Time),
            SetFlags.AbsoluteExpiry => FromUnix(command.Time),
            SetFlags.KeepTtl when found => entry.ExpiresAt,
            _ => Never,
        };
        Store(key, command.Value.ToArray(), expiresAt);
        return Response.SetReply(SetReplyFlags.Applied | existed, previous, command.RequestId);
    }

    private Response Expire(string key, (byte[] Value, long ExpiresAt) entry, ExpireFlags flags, long time, uint id)
    {
        // Any absolute time at or below 0 is past; taken as 1, which is the same answer.
        var next = (flags & ExpireFlags.RelativeExpiry) != 0 ? After(time) : FromUnix(Math.Max(time, 1));
        var current = entry.ExpiresAt;
        var applies = ((flags & ExpireFlags.IfNoExpiry) == 0 || current == Never)
            && ((flags & ExpireFlags.IfHasExpiry) == 0 || current != Never)
            && ((flags & ExpireFlags.IfLater) == 0 || next > current)
            && ((flags & ExpireFlags.IfSooner) == 0 || next < current);
        if (applies)
        {
            Store(key, entry.Value, next);
        }

        return Response.Applied(applies, id);
    }

    // A key whose expiry is at or before now is gone at once.
    private void Store(string key, byte[] value, long expiresAt)
    {
        if (expiresAt <= 0)
        {
            _keys.Remove(key);
        }
        else
        {
            _keys[key] = (value, expiresAt);
        }
    }

    // The store's clock: monotonic milliseconds from now (0), saturating below its "no expiry".
    private static long After(long milliseconds) => milliseconds == Never ? Never - 1 : milliseconds;

    private static long FromUnix(long unixMilliseconds) => unixMilliseconds - FrozenClock.UnixMilliseconds;
}
