using System.Text;
using Kv.Protocol;
using Kv.Protocol.Buffers;
using Kv.Server.Commands;
using Kv.Server.Diagnostics;
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
}

/// <summary>
/// A connection's synchronous step, without sockets: parse every whole frame in the receive buffer, run each command,
/// and write its response (or the ERROR for a bad frame) into the send buffer. Both transports' connections
/// (<see cref="EventLoop.LoopConnection"/>, <see cref="Sockets.SocketConnection"/>) wrap it with their socket calls; the
/// fuzz harness (Kv.Fuzz) feeds it bytes directly.
/// </summary>
internal sealed class FrameProcessor
{
    private readonly long _connectionId;
    private readonly ReceiveBuffer _input;
    private readonly PooledBufferWriter _output;
    private readonly CommandParser _parser;
    private readonly CommandContext _context;
    private readonly int _sendBufferLimit;
    private readonly ILogger _logger;
    private long _requests;

    public FrameProcessor(long connectionId, ReceiveBuffer input, PooledBufferWriter output, MemoryStore store, CommandParser parser, int sendBufferLimit, ILogger logger)
    {
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
        while (true)
        {
            var status = _parser.TryParse(_input.Unparsed, out var command, out var error);
            switch (status)
            {
                case ParseStatus.Complete:
                    CommandDispatcher.Execute(command, _context);
                    _input.Consume(command.FrameLength);
                    _requests++;
                    if (_output.WrittenCount >= _sendBufferLimit)
                    {
                        return BatchOutcome.SendBufferFull;
                    }

                    continue;
                case ParseStatus.NeedMoreData:
                    return BatchOutcome.NeedMoreData;
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
}
