namespace Kv.Protocol;

/// <summary>Fixed sizes of the frame layouts in <c>docs/protocol.md</c>.</summary>
public static class FrameFormat
{
    /// <summary>Size of a string's length prefix (u32).</summary>
    public const int StringLengthSize = 4;

    /// <summary>Size of a command's option bits (<see cref="ArgumentRole.Flags"/>, a u16).</summary>
    public const int FlagsSize = 2;

    /// <summary>Size of a command's time (<see cref="ArgumentRole.Time"/>, an i64).</summary>
    public const int TimeSize = 8;

    /// <summary>Version-0 request header: version (u8) and command (u16).</summary>
    public const int V0RequestHeaderSize = 3;

    /// <summary>Version-0 response header: version (u8) and status (u8).</summary>
    public const int V0ResponseHeaderSize = 2;

    /// <summary>Version-1 request header: version (u8), command (u16), request id (u32) and body length (u32).</summary>
    public const int V1RequestHeaderSize = 11;

    /// <summary>Version-1 response header: version (u8), status (u8), request id (u32) and body length (u32).</summary>
    public const int V1ResponseHeaderSize = 10;

    /// <summary>Size of the error code (u16) at the start of a version-1 ERROR response body.</summary>
    public const int ErrorCodeSize = 2;

    /// <summary>The highest protocol version this library speaks.</summary>
    public const ProtocolVersion LatestVersion = ProtocolVersion.V1;

    /// <summary>The number of arguments a command carries (from <see cref="CommandTable"/>); 0 for an unknown one.</summary>
    public static int ArgumentCount(CommandKind kind) => CommandTable.Find(kind)?.Arguments.Count ?? 0;

    /// <summary>True for the command numbers this library knows (<see cref="CommandTable"/>).</summary>
    public static bool IsKnown(CommandKind kind) => CommandTable.Find(kind) is not null;

    /// <summary>True for the protocol versions this library speaks.</summary>
    public static bool IsSupported(ProtocolVersion version) => (byte)version <= (byte)LatestVersion;
}
