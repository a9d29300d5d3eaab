using Kv.Protocol;
using Kv.Testing.Time;

namespace Kv.Server.Tests.Model;

/// <summary>
/// One generated step of an expiry session: a request, or the clock moving (both clocks, or the wall clock alone).
/// A time marked <see cref="FromWallClock"/> is an offset from the wall clock at the moment the request is sent.
/// </summary>
internal sealed record ExpiryStep(CommandKind Kind, int Key, byte[] Value, ushort Flags, long Time, bool FromWallClock, long Advance, long Jump)
{
    public Command ToCommand(long unixNow, uint requestId)
    {
        var spec = CommandTable.Find(Kind)!;
        var time = FromWallClock ? unixNow + Time : Time;
        return new Command(Kind, Generators.Keys[Key], spec.HasValue ? Value : [], spec.HasFlags ? Flags : (ushort)0, spec.HasTime ? time : 0, ProtocolVersion.V1, requestId);
    }

    public override string ToString() => Advance != 0 ? $"+{Advance} ms" : Jump != 0 ? $"wall {Jump:+#;-#} ms"
        : $"{Kind.ToString().ToUpperInvariant()} {Convert.ToHexString(Generators.Keys[Key])}{(CommandTable.Find(Kind)!.HasValue ? "=" + Convert.ToHexString(Value) : "")}"
          + (CommandTable.Find(Kind)!.HasFlags ? $" 0x{Flags:x4} {(FromWallClock ? "now" + Time.ToString("+#;-#;+0", System.Globalization.CultureInfo.InvariantCulture) : Time)}" : "");
}

/// <summary>
/// The expiry semantics of docs/protocol.md as a dictionary of (value, expiry) on the test's <see cref="ManualClock"/>,
/// written from the spec, not from the server's command files. An expiry is a time of the monotonic clock, as the
/// server keeps it: a relative time counts from now, an absolute one is read against the wall clock when received.
/// </summary>
internal sealed class ExpiryModel(ManualClock clock)
{
    private const long Never = long.MaxValue;

    private readonly Dictionary<string, (byte[] Value, long ExpiresAt)> _keys = new();

    // The monotonic clock in whole milliseconds (the test moves it by whole milliseconds only).
    private long Now => clock.GetTimestamp() / TimeSpan.TicksPerMillisecond;

    public Response Apply(Command command)
    {
        var id = command.RequestId;
        if (CommandOptions.Validate(command.Kind, command.Flags, command.Time) is { } invalid)
        {
            return Response.Error(invalid, ProtocolVersion.V1, id, ProtocolErrorCode.InvalidArgument);
        }

        var key = Convert.ToHexString(command.Key);
        var found = TryGetLive(key, out var entry);
        switch (command.Kind)
        {
            case CommandKind.Set:
                _keys[key] = (command.Value, Never);
                return Response.Ok([], ProtocolVersion.V1, id);
            case CommandKind.Get:
                return found ? Response.Ok(entry.Value, ProtocolVersion.V1, id) : Response.NotFound(id);
            case CommandKind.Clear:
            case CommandKind.GetDel:
                _keys.Remove(key);
                return found ? Response.Ok(entry.Value, ProtocolVersion.V1, id) : Response.NotFound(id);
            case CommandKind.SetX:
                return SetX(key, found, entry, (SetFlags)command.Flags, command.Value, command.Time, id);
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
                return found ? Response.TimeToLive(entry.ExpiresAt == Never ? -1 : entry.ExpiresAt - Now, id) : Response.NotFound(id);
            case CommandKind.GetEx:
                if (!found)
                {
                    return Response.NotFound(id);
                }

                Store(key, entry.Value, (GetExFlags)command.Flags switch
                {
                    GetExFlags.RelativeExpiry => After(command.Time),
                    GetExFlags.AbsoluteExpiry => FromUnix(command.Time),
                    GetExFlags.Persist => Never,
                    _ => entry.ExpiresAt,
                });
                return Response.Ok(entry.Value, ProtocolVersion.V1, id);
            default:
                return Response.Ok(command.Value.Length == 0 ? "PONG"u8.ToArray() : command.Value, ProtocolVersion.V1, id);
        }
    }

    private Response SetX(string key, bool found, (byte[] Value, long ExpiresAt) entry, SetFlags flags, byte[] value, long time, uint id)
    {
        var previous = (flags & SetFlags.ReturnPrevious) != 0 && found ? entry.Value : null;
        var existed = found ? SetReplyFlags.Existed : SetReplyFlags.None;
        if (((flags & SetFlags.IfMissing) != 0 && found) || ((flags & SetFlags.IfExists) != 0 && !found))
        {
            return Response.SetReply(existed, previous, id);
        }

        Store(key, value, (flags & (SetFlags.RelativeExpiry | SetFlags.AbsoluteExpiry | SetFlags.KeepTtl)) switch
        {
            SetFlags.RelativeExpiry => After(time),
            SetFlags.AbsoluteExpiry => FromUnix(time),
            SetFlags.KeepTtl when found => entry.ExpiresAt,
            _ => Never,
        });
        return Response.SetReply(SetReplyFlags.Applied | existed, previous, id);
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

    private bool TryGetLive(string key, out (byte[] Value, long ExpiresAt) entry)
    {
        if (_keys.TryGetValue(key, out entry) && entry.ExpiresAt > Now)
        {
            return true;
        }

        _keys.Remove(key);
        return false;
    }

    private void Store(string key, byte[] value, long expiresAt)
    {
        if (expiresAt <= Now)
        {
            _keys.Remove(key);
        }
        else
        {
            _keys[key] = (value, expiresAt);
        }
    }

    private long After(long milliseconds) => Saturating(Now, milliseconds);

    private long FromUnix(long unixMilliseconds) => Saturating(Now, unixMilliseconds - clock.UnixMilliseconds);

    // Times that would pass the clock's range stay just short of "never" (or at the far past), as the server's do.
    private static long Saturating(long a, long b)
    {
        var sum = unchecked(a + b);
        if (((a ^ sum) & (b ^ sum)) < 0)
        {
            return b > 0 ? Never - 1 : long.MinValue;
        }

        return sum == Never ? sum - 1 : sum;
    }
}
