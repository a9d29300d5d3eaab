using Kv.Protocol;

namespace Kv.Server.Tests.Model;

/// <summary>One generated request: a command on one of a few keys, in either protocol version.</summary>
internal sealed record Operation(CommandKind Kind, byte[] Key, byte[] Value, ProtocolVersion Version)
{
    public Command ToCommand(uint requestId) => new(Kind, Kind == CommandKind.Ping ? [] : Key,
        Kind is CommandKind.Set or CommandKind.Ping ? Value : [], Version, Version == ProtocolVersion.V1 ? requestId : 0);

    public override string ToString() => Kind switch
    {
        CommandKind.Set => $"v{(byte)Version} SET {Convert.ToHexString(Key)}={Convert.ToHexString(Value.AsSpan(0, Math.Min(Value.Length, 8)))}{(Value.Length > 8 ? $"..({Value.Length})" : "")}",
        CommandKind.Ping => $"v{(byte)Version} PING {Convert.ToHexString(Value.AsSpan(0, Math.Min(Value.Length, 8)))}",
        _ => $"v{(byte)Version} {Kind.ToString().ToUpperInvariant()} {Convert.ToHexString(Key)}",
    };
}

/// <summary>
/// The store as docs/protocol.md describes it, as a dictionary: what each request must be answered, written
/// independently of the server's command files.
/// </summary>
internal sealed class StoreModel
{
    private readonly Dictionary<string, byte[]> _values = new();

    public Response Apply(Command command)
    {
        var v1 = command.Version == ProtocolVersion.V1;
        var id = command.RequestId;
        var key = Convert.ToHexString(command.Key);
        switch (command.Kind)
        {
            case CommandKind.Set:
                _values[key] = command.Value;
                return v1 ? Response.Ok([], ProtocolVersion.V1, id) : Response.Ok(command.Key);
            case CommandKind.Get:
                if (_values.TryGetValue(key, out var value))
                {
                    return Response.Ok(value, command.Version, id);
                }

                return v1 ? Response.NotFound(id) : Response.Error("Key not found");
            case CommandKind.Clear:
                if (_values.Remove(key, out var removed))
                {
                    return Response.Ok(removed, command.Version, id);
                }

                return v1 ? Response.NotFound(id) : Response.Ok([]);
            default:
                return Response.Ok(command.Value.Length == 0 ? "PONG"u8.ToArray() : command.Value, command.Version, id);
        }
    }
}
