using System.Text;
using Kv.Protocol;
using Kv.Protocol.Buffers;
using Kv.Storage;

namespace Kv.Server.Commands;

/// <summary>
/// What a command needs to run: the store (which logs its own writes when persistence is on), and a writer for its
/// response in the version and with the request id of the request being answered. One per connection, reused for every
/// request.
/// </summary>
internal sealed class CommandContext(MemoryStore store, PooledBufferWriter output)
{
    // Cached once: a static lambda passed straight to the store would be cached too, but naming it keeps it obvious.
    internal static readonly ValueReader<CommandContext> WriteValueAsOk = static (value, context) => context.WriteOk(value);

    /// <summary>Stages an OK answer carrying the value (GETEX), for <see cref="CommitStaged"/>.</summary>
    internal static readonly ValueReader<CommandContext> StageValueAsOk = static (value, context) => context.Stage(value, setReply: false);

    /// <summary>Stages SETX's answer carrying the previous value, for <see cref="CommitStagedSetReply"/>.</summary>
    internal static readonly ValueReader<CommandContext> StagePreviousAsSetReply = static (value, context) => context.Stage(value, setReply: true);

    // Longer messages than this are encoded into an array (rare paths only); shorter ones on the stack.
    private const int StackMessageBytes = 256;

    // The length of the response staged in the send buffer and not committed yet; 0 for none; Lost when there was no
    // room for it.
    private const int Lost = -1;
    private int _staged;

    public MemoryStore Store { get; } = store;

    public ProtocolVersion Version { get; private set; }

    public uint RequestId { get; private set; }

    /// <summary>True when a value reader staged an answer (the store found the key and handed its value over).</summary>
    public bool HasStaged => _staged != 0;

    /// <summary>Sets the version and id the next responses answer.</summary>
    public void Begin(ProtocolVersion version, uint requestId)
    {
        Version = version;
        RequestId = requestId;
        _staged = 0;
    }

    /// <summary>
    /// Makes room for an OK response with a payload of <paramref name="payloadLength"/> bytes, before the command changes
    /// anything: a write whose answer could not be buffered (the client memory budget) is then refused before it is
    /// applied, never applied and answered with an error.
    /// </summary>
    /// <exception cref="OutOfMemoryException">The room cannot be had.</exception>
    public void ReserveOk(int payloadLength) =>
        output.GetSpan(ResponseEncoder.GetEncodedLength(Version, ResponseStatus.Ok, payloadLength));

    public void WriteOk(ReadOnlySpan<byte> payload) =>
        ResponseEncoder.Encode(output, Version, ResponseStatus.Ok, RequestId, payload);

    /// <summary>Version 1's NOT_FOUND; callers answer version 0 in its own words.</summary>
    public void WriteNotFound() =>
        ResponseEncoder.Encode(output, ProtocolVersion.V1, ResponseStatus.NotFound, RequestId, default);

    public void WriteError(ProtocolErrorCode code, ReadOnlySpan<byte> message) =>
        ResponseEncoder.Encode(output, Version, ResponseStatus.Error, RequestId, message, code);

    /// <summary>An ERROR with a message made at run time, encoded to UTF-8 on the stack when it is short (as every
    /// constant message of <see cref="CommandOptions"/> is), so that refusing a request allocates nothing.</summary>
    public void WriteError(ProtocolErrorCode code, string message)
    {
        if (Encoding.UTF8.GetMaxByteCount(message.Length) > StackMessageBytes)
        {
            WriteError(code, Encoding.UTF8.GetBytes(message));
            return;
        }

        Span<byte> bytes = stackalloc byte[StackMessageBytes];
        WriteError(code, bytes[..Encoding.UTF8.GetBytes(message, bytes)]);
    }

    /// <summary>SETX's answer without a previous value.</summary>
    public void WriteSetReply(SetReplyFlags flags) =>
        ResponseEncoder.EncodeSetReply(output, Version, RequestId, flags, default);

    /// <summary>The answer of EXPIRE and PERSIST.</summary>
    public void WriteApplied(bool applied) =>
        ResponseEncoder.EncodeAppliedReply(output, Version, RequestId, applied);

    /// <summary>TTL's answer for a key that exists.</summary>
    public void WriteTimeToLive(long milliseconds) =>
        ResponseEncoder.EncodeTimeToLiveReply(output, Version, RequestId, milliseconds);

    /// <summary>Commits the OK answer a value reader staged.</summary>
    /// <exception cref="OutOfMemoryException">There was no room for it (the change it answers was made).</exception>
    public void CommitStaged() => output.Advance(TakeStaged());

    /// <summary>Commits SETX's staged answer, with the result bits that are known only now that the store has returned.</summary>
    /// <exception cref="OutOfMemoryException">There was no room for it (the write it answers was made).</exception>
    public void CommitStagedSetReply(SetReplyFlags flags)
    {
        var length = TakeStaged();

        // The same memory the reader encoded into (PooledBufferWriter.GetSpan), so only the result byte changes.
        output.GetSpan(length)[FrameFormat.V1ResponseHeaderSize] = (byte)flags;
        output.Advance(length);
    }

    /// <summary>Forgets a staged answer: the next response written takes its place in the send buffer.</summary>
    public void DiscardStaged() => _staged = 0;

    // Runs under the store's stripe lock, possibly in the middle of a write (after the new record is in, before the old
    // one is freed): an exception thrown here would leave that write half done, so none is. The answer is encoded into
    // the send buffer without being committed, because only the store's return says whether it stands (a write refused
    // for memory is answered ERROR instead) and, for SETX, what its result bits are.
    private void Stage(ReadOnlySpan<byte> value, bool setReply)
    {
        try
        {
            if (setReply)
            {
                var length = ResponseEncoder.GetSetReplyLength(Version, value.Length);
                _staged = ResponseEncoder.EncodeSetReply(output.GetSpan(length), Version, RequestId, SetReplyFlags.Existed, value);
            }
            else
            {
                var length = ResponseEncoder.GetEncodedLength(Version, ResponseStatus.Ok, value.Length);
                _staged = ResponseEncoder.Encode(output.GetSpan(length), Version, ResponseStatus.Ok, RequestId, value);
            }
        }
        catch (OutOfMemoryException)
        {
            _staged = Lost;
        }
    }

    private int TakeStaged()
    {
        var length = _staged;
        _staged = 0;
        return length switch
        {
            Lost => throw new OutOfMemoryException("No room in the send buffer for the answer, which carries a value."),
            0 => throw new InvalidOperationException("No answer was staged."),
            _ => length,
        };
    }
}
