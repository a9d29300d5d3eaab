using System.Buffers.Binary;

namespace Kv.Protocol.Tests.Support;

/// <summary>
/// A second, deliberately naive encoder written from the layout tables of docs/protocol.md, so that round trips
/// are checked against the spec and not only against the library's own encoder.
/// </summary>
internal static class Reference
{
    public static byte[] Encode(Command command)
    {
        byte[][] arguments = command.Kind switch
        {
            CommandKind.Set or CommandKind.SetX or CommandKind.Auth => [command.Key, command.Value],
            CommandKind.Ping => [command.Value],
            _ => [command.Key],
        };

        // SETX, EXPIRE and GETEX: the flags (u16) and the time (i64), after the strings, without length prefixes.
        byte[] options = command.Kind is CommandKind.SetX or CommandKind.Expire or CommandKind.GetEx
            ? Concat(U16(command.Flags), I64(command.Time))
            : [];
        var body = Concat([.. arguments.Select(LengthPrefixed), options]);
        return command.Version == ProtocolVersion.V0
            ? Concat([(byte)command.Version], U16((ushort)command.Kind), body)
            : Concat([(byte)command.Version], U16((ushort)command.Kind), U32(command.RequestId), U32((uint)body.Length), body);
    }

    public static byte[] Encode(Response response)
    {
        if (response.Version == ProtocolVersion.V0)
        {
            return Concat([(byte)response.Version, (byte)response.Status], LengthPrefixed(response.Payload));
        }

        var body = response.Status == ResponseStatus.Error
            ? Concat(U16((ushort)response.ErrorCode), response.Payload)
            : response.Payload;
        return Concat([(byte)response.Version, (byte)response.Status], U32(response.RequestId), U32((uint)body.Length), body);
    }

    public static byte[] Encode(object message) => message switch
    {
        Command command => Encode(command),
        Response response => Encode(response),
        _ => throw new ArgumentException($"Not a message: {message}", nameof(message)),
    };

    public static byte[] U16(ushort value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        return bytes;
    }

    public static byte[] U32(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    public static byte[] I64(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return bytes;
    }

    public static byte[] Concat(params byte[][] parts)
    {
        var result = new byte[parts.Sum(p => p.Length)];
        var position = 0;
        foreach (var part in parts)
        {
            part.CopyTo(result, position);
            position += part.Length;
        }

        return result;
    }

    private static byte[] LengthPrefixed(byte[] value) => Concat(U32((uint)value.Length), value);
}
