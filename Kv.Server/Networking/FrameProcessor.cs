using System.Buffers;
using System.Net;
using System.Text;
using CommunityToolkit.HighPerformance.Buffers;
using Kv.Protocol;
using Kv.Protocol.Buffers;
using Kv.Server.Commands;
using Kv.Server.Diagnostics;
using Kv.Server.Security;
using Kv.Storage;
using Microsoft.Extensions.Logging;

namespace Kv.Server.Networking;

/// <summary>What one pass of <see cref="FrameProcessor.Process"/> ended on.</summary>
internal enum BatchOutcome
{
    /// <summary>Every whole frame was answered; what is left in the receive buffer is the start of a frame.</summary>
    NeedMoreData,

    /// <summary>The pending responses reached the send buffer limit: send them, then process again.</summary>
    SendBufferFull,

    /// <summary>A fatal bad frame was answered with an ERROR: send it, then close the connection.</summary>
    Close,

    /// <summary>The responses held for the client passed the client output limit: close at once, without them.</summary>
    OutputLimitExceeded,

    /// <summary>
    /// An AUTH is being checked (off the connection's thread; a failure also waits out its delay): send what is pending,
    /// read and process nothing more until <see cref="FrameProcessor.Paused"/> completes, then process again.
    /// </summary>
    Paused,
}

/// <summary>
/// A connection's synchronous step, without sockets: parse every whole frame in the receive buffer, run each command,
/// and write its response (or the ERROR for a bad frame) into the send buffer. Both transports' connections
/// (<see cref="EventLoop.LoopConnection"/>, <see cref="Sockets.SocketConnection"/>) wrap it with their socket calls; the
/// fuzz harness (Kv.Fuzz) feeds it bytes directly.
/// </summary>
internal sealed partial class FrameProcessor
{
    private static readonly byte[] OutOfMemoryMessage = "out of memory: the client memory budget (--max-client-memory) or the heap has no room for this response"u8.ToArray();

    private static readonly byte[] NotDurable = "writes refused: the disk is full; this write is applied in memory but was not made durable, and may yet reach the disk"u8.ToArray();

    private readonly long _connectionId;
    private readonly ReceiveBuffer _input;
    private readonly PooledBufferWriter _output;
    private readonly CommandParser _parser;
    private readonly CommandContext _context;
    private readonly int _sendBufferLimit;
    private readonly ILogger _logger;
    private readonly LogInterval _outOfMemoryLog;
    private readonly long _outputLimit;

    // With persistence: where the responses to writes since the last commit start in the send buffer, so that they can be
    // taken back if the commit says the writes are not durable.
    private readonly List<WriteResponse>? _uncommittedWrites;
    private long _requests;

    public FrameProcessor(long connectionId, ReceiveBuffer input, PooledBufferWriter output, MemoryStore store, CommandParser parser, int sendBufferLimit, ILogger logger, bool persistent = false, LogInterval? outOfMemoryLog = null, long outputLimit = 0, UserDirectory? users = null, Func<EndPoint?>? peer = null)
    {
        _users = users;
        _peer = peer;
        _allowed = users is null ? ulong.MaxValue : 0;
        _outputLimit = outputLimit;
        _outOfMemoryLog = outOfMemoryLog ?? new LogInterval(TimeSpan.FromSeconds(10));
        _uncommittedWrites = persistent ? [] : null;
        _connectionId = connectionId;
        _input = input;
        _output = output;
        _parser = parser;
        _context = new CommandContext(store, output);
        _sendBufferLimit = sendBufferLimit;
        _logger = logger;
    }

    /// <summary>Well-formed requests carried out so far.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Answers the whole frames in the receive buffer, until it holds less than a frame, the send buffer is full, or a fatal error.</summary>
    public BatchOutcome Process()
    {
        if (_pendingAuth is not null && FinishAuth() is { } afterAuth)
        {
            return afterAuth;
        }

        while (true)
        {
            var status = _parser.TryParse(_input.Unparsed, out var command, out var error);
            switch (status)
            {
                case ParseStatus.Complete:
                    var start = _output.WrittenCount;

                    // One AND per request: a bit per command number the connection may run now (all of them without
                    // authentication). What is not allowed (and AUTH, when authentication is on) takes the slow path.
                    if ((_allowed & (1UL << (ushort)command.Kind)) != 0)
                    {
                        if (!Execute(command))
                        {
                            return BatchOutcome.Close;
                        }

                        if (_uncommittedWrites is not null && CommandDispatcher.IsWrite(command.Kind))
                        {
                            _uncommittedWrites.Add(new WriteResponse(start, _output.WrittenCount, command.Version, command.RequestId));
                        }
                    }
                    else
                    {
                        switch (Guard(command))
                        {
                            case GuardOutcome.Close:
                                return BatchOutcome.Close;
                            case GuardOutcome.Paused:
                                _input.Consume(command.FrameLength);
                                _requests++;
                                return BatchOutcome.Paused;
                        }
                    }

                    _input.Consume(command.FrameLength);
                    _requests++;
                    if (_outputLimit > 0 && _output.WrittenCount > _outputLimit)
                    {
                        ServerLog.ClientOutputLimit(_logger, _connectionId, _output.WrittenCount, _outputLimit);
                        return BatchOutcome.OutputLimitExceeded;
                    }

                    if (_output.WrittenCount >= _sendBufferLimit)
                    {
                        return BatchOutcome.SendBufferFull;
                    }

                    continue;
                case ParseStatus.NeedMoreData:
                    return MakeRoomForTheRest();
                default:
                    var message = error.ToString();
                    WriteProtocolError(error, message);
                    if (!error.IsRecoverable)
                    {
                        ServerLog.BadFrameClosed(_logger, _connectionId, message);
                        return BatchOutcome.Close;
                    }

                    ServerLog.BadFrameSkipped(_logger, _connectionId, message);
                    _input.Consume(error.FrameLength);
                    continue;
            }
        }
    }

    /// <summary>The writes answered so far are acknowledged (committed): their responses stand.</summary>
    public void WritesCommitted() => _uncommittedWrites?.Clear();

    /// <summary>
    /// The log could not make the writes answered since the last commit durable (a full disk): each OK among their
    /// responses, still unsent, becomes ERROR WriteRefused; the other responses stay as they are.
    /// </summary>
    public void RefuseUncommittedWrites()
    {
        if (_uncommittedWrites is not { Count: > 0 })
        {
            return;
        }

        var written = _output.WrittenSpan;
        using var copy = MemoryOwner<byte>.Allocate(written.Length);
        written.CopyTo(copy.Span);
        _output.Clear();
        var from = 0;
        foreach (var write in _uncommittedWrites)
        {
            _output.Write(copy.Span[from..write.Start]);
            if (ResponseEncoder.StatusOf(copy.Span[write.Start..write.End]) == ResponseStatus.Ok)
            {
                ResponseEncoder.Encode(_output, write.Version, ResponseStatus.Error, write.RequestId, NotDurable, ProtocolErrorCode.WriteRefused);
            }
            else
            {
                _output.Write(copy.Span[write.Start..write.End]);
            }

            from = write.End;
        }

        _output.Write(copy.Span[from..]);
        _uncommittedWrites.Clear();
    }

    // Runs a command; false when not even an error could be written for it (no memory at all), and the connection must
    // close.
    private bool Execute(in CommandView command)
    {
        var start = _output.WrittenCount;
        try
        {
            CommandDispatcher.Execute(command, _context);
            return true;
        }
        catch (OutOfMemoryException e)
        {
            // The response could not be buffered (the client memory budget, or the heap). Nothing was changed: a write
            // makes room for its answer before it applies anything, and a read or CLEAR writes its answer before the
            // store lets go of the value. The encoders ask for a response's whole size before writing any of it. The
            // one exception: an answer that carries a value out of a change (SETX with GET, GETEX) takes its room while
            // the change runs, and when there is none the change stands and this ERROR answers it.
            if (_outOfMemoryLog.TryLog(out var suppressed))
            {
                ServerLog.ResponseOutOfMemory(_logger, _connectionId, e.Message, suppressed, _outOfMemoryLog.Seconds);
            }

            if (_output.WrittenCount != start)
            {
                return false;
            }

            try
            {
                ResponseEncoder.Encode(_output, command.Version, ResponseStatus.Error, command.RequestId, OutOfMemoryMessage, ProtocolErrorCode.OutOfMemory);
                return true;
            }
            catch (OutOfMemoryException)
            {
                return false;
            }
        }
    }

    // Whole frames are answered and the start of one is left: make sure the receive buffer can take the rest of it now,
    // rather than at the next receive, so that a frame there is no memory for is answered like any other error.
    private BatchOutcome MakeRoomForTheRest()
    {
        try
        {
            _input.GetFreeSpace();
            return BatchOutcome.NeedMoreData;
        }
        catch (OutOfMemoryException e)
        {
            CommandParser.TryReadHeader(_input.Unparsed, out var version, out var requestId);
            var message = $"out of memory: a frame of more than {_input.Length} bytes cannot be received ({e.Message}); the connection is closed";
            ResponseEncoder.Encode(_output, version, ResponseStatus.Error, requestId, Encoding.UTF8.GetBytes(message), ProtocolErrorCode.OutOfMemory);
            if (_outOfMemoryLog.TryLog(out var suppressed))
            {
                ServerLog.FrameOutOfMemory(_logger, _connectionId, message, suppressed, _outOfMemoryLog.Seconds);
            }

            return BatchOutcome.Close;
        }
    }

    // A frame of an unknown version, or any version-0 error, is answered in version 0: the peer may speak nothing else.
    private void WriteProtocolError(in ProtocolError error, string message)
    {
        var text = Encoding.UTF8.GetBytes(message);
        if (error.Code == ProtocolErrorCode.UnsupportedVersion || error.Version == ProtocolVersion.V0)
        {
            ResponseEncoder.Encode(_output, ProtocolVersion.V0, ResponseStatus.Error, 0, text);
        }
        else
        {
            ResponseEncoder.Encode(_output, error.Version, ResponseStatus.Error, error.RequestId, text, error.Code);
        }
    }

    /// <summary>Where a write's response lies in the send buffer, and what it answers.</summary>
    private readonly record struct WriteResponse(int Start, int End, ProtocolVersion Version, uint RequestId);
}
