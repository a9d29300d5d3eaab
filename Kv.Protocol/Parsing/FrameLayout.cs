namespace Kv.Protocol;

/// <summary>
/// Where the parts of one parsed frame lie, as offsets from the frame's first byte. The span and sequence
/// parsers share it, so that both hand out slices of their own input.
/// </summary>
internal struct FrameLayout
{
    public ProtocolVersion Version;
    public ushort Code; // command number for requests, status for responses
    public uint RequestId;
    public ProtocolErrorCode ErrorCode;
    public int KeyOffset;
    public int KeyLength;
    public int ValueOffset;
    public int ValueLength;
    public ushort Flags;
    public long Time;
    public int FrameLength;
}
