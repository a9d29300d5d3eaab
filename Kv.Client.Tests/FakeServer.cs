using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Kv.Protocol;

namespace Kv.Client.Tests;

/// <summary>
/// A small Kv-speaking server for fault injection, built on Kv.Protocol's parser and encoder: it can stall (hold every
/// request, answer none, then answer them all in order on release), answer with the wrong request ids, send raw bytes,
/// or drop its connections.
/// </summary>
internal sealed class FakeServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly ConcurrentDictionary<string, byte[]> _store = new();
    private readonly Lock _lock = new();
    private readonly List<Socket> _connections = [];
    private readonly List<(Socket Socket, byte[] Response)> _held = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _acceptLoop;
    private (ProtocolErrorCode Code, string Message)? _nextError;
    private bool _stalled;
    private volatile TaskCompletionSource? _readGate;
    private uint _idShift;
    private int _accepted;
    private int _requests;
    private (byte[] User, byte[] Password)? _credentials;
    private readonly HashSet<Socket> _authenticated = [];
    private readonly List<(int Connection, CommandKind Kind)> _log = [];
    private readonly Dictionary<Socket, int> _connectionNumbers = [];

    private FakeServer(Socket listener)
    {
        _listener = listener;
        _acceptLoop = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    public string EndPoint => $"127.0.0.1:{Port}";

    public int AcceptedConnections => Volatile.Read(ref _accepted);

    public int RequestsReceived => Volatile.Read(ref _requests);

    public int HeldRequests
    {
        get
        {
            lock (_lock)
            {
                return _held.Count;
            }
        }
    }

    public static FakeServer Start()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(16);
        return new FakeServer(listener);
    }

    /// <summary>From now on, hold every request unanswered.</summary>
    public void Stall()
    {
        lock (_lock)
        {
            _stalled = true;
        }
    }

    /// <summary>
    /// Answer every held request, in order, with one send per connection (so the client usually reads them all in
    /// one receive), and stop stalling.
    /// </summary>
    public void Release()
    {
        lock (_lock)
        {
            _stalled = false;
            foreach (var group in _held.GroupBy(held => held.Socket))
            {
                TrySend(group.Key, group.SelectMany(held => held.Response).ToArray());
            }

            _held.Clear();
        }
    }

    /// <summary>
    /// From now on, require AUTH with this user (the empty name is the default user) and password, as a server with
    /// authentication does (docs/protocol.md): AUTH answers OK or ERROR AuthenticationFailed; before a successful one,
    /// every command but AUTH and PING is answered ERROR NotAuthenticated.
    /// </summary>
    public void RequirePassword(string user, string password)
    {
        lock (_lock)
        {
            _credentials = (Encoding.UTF8.GetBytes(user), Encoding.UTF8.GetBytes(password));
        }
    }

    /// <summary>
    /// Every request received so far, in order: the connection's number (1 for the first accepted) and the command.
    /// </summary>
    public IReadOnlyList<(int Connection, CommandKind Kind)> Requests()
    {
        lock (_lock)
        {
            return _log.ToList();
        }
    }

    /// <summary>Stop reading from every connection (a receive already waiting still takes what comes next).</summary>
    public void StopReading() => _readGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Read again, after <see cref="StopReading"/>.</summary>
    public void ResumeReading() => Interlocked.Exchange(ref _readGate, null)?.TrySetResult();

    /// <summary>Answer every later request with its id plus <paramref name="shift"/>.</summary>
    public void ShiftResponseIds(uint shift)
    {
        lock (_lock)
        {
            _idShift = shift;
        }
    }

    /// <summary>Answer the next request with a version-1 ERROR.</summary>
    public void FailNextRequest(ProtocolErrorCode code, string message)
    {
        lock (_lock)
        {
            _nextError = (code, message);
        }
    }

    /// <summary>Send raw bytes on every open connection.</summary>
    public void SendRaw(byte[] bytes)
    {
        lock (_lock)
        {
            foreach (var socket in _connections)
            {
                TrySend(socket, bytes);
            }
        }
    }

    /// <summary>Close every open connection (held requests are forgotten).</summary>
    public void DropConnections()
    {
        lock (_lock)
        {
            foreach (var socket in _connections)
            {
                socket.Dispose();
            }

            _connections.Clear();
            _held.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Dispose();
        DropConnections();
        try
        {
            await _acceptLoop;
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }

        _stopping.Dispose();
    }

    private static void TrySend(Socket socket, byte[] bytes)
    {
        try
        {
            socket.Send(bytes);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            var socket = await _listener.AcceptAsync(_stopping.Token);
            socket.NoDelay = true;
            var number = Interlocked.Increment(ref _accepted);
            lock (_lock)
            {
                _connections.Add(socket);
                _connectionNumbers[socket] = number;
            }

            _ = ServeAsync(socket);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        var buffer = new byte[4 * 1024 * 1024];
        var length = 0;
        try
        {
            while (true)
            {
                if (_readGate is { } gate)
                {
                    await gate.Task.WaitAsync(_stopping.Token);
                }

                var received = await socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, _stopping.Token);
                if (received == 0)
                {
                    return;
                }

                if (_readGate is { } stopped)
                {
                    // Stopped while this receive waited: what it took is not answered until reading resumes.
                    await stopped.Task.WaitAsync(_stopping.Token);
                }

                length += received;
                var consumed = Answer(socket, buffer.AsSpan(0, length));
                buffer.AsSpan(consumed, length - consumed).CopyTo(buffer);
                length -= consumed;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private int Answer(Socket socket, ReadOnlySpan<byte> input)
    {
        var consumed = 0;
        lock (_lock)
        {
            while (CommandParser.Default.TryParse(input.Slice(consumed), out var command, out _) == ParseStatus.Complete)
            {
                consumed += command.FrameLength;
                Interlocked.Increment(ref _requests);
                _log.Add((_connectionNumbers.GetValueOrDefault(socket), command.Kind));
                var response = Respond(socket, command);
                if (_stalled)
                {
                    _held.Add((socket, response));
                }
                else
                {
                    TrySend(socket, response);
                }
            }
        }

        return consumed;
    }

    private byte[] Respond(Socket socket, in CommandView command)
    {
        var key = Convert.ToHexString(command.Key);
        var id = unchecked(command.RequestId + _idShift);
        if (_nextError is var (code, message))
        {
            _nextError = null;
            return Error(id, code, message);
        }

        if (_credentials is var (user, password))
        {
            if (command.Kind == CommandKind.Auth)
            {
                if (command.Key.SequenceEqual(user) && command.Value.SequenceEqual(password))
                {
                    _authenticated.Add(socket);
                    return Encode(ResponseStatus.Ok, id, []);
                }

                return Error(id, ProtocolErrorCode.AuthenticationFailed, "authentication failed");
            }

            if (command.Kind != CommandKind.Ping && !_authenticated.Contains(socket))
            {
                return Error(id, ProtocolErrorCode.NotAuthenticated, "not authenticated");
            }
        }
        else if (command.Kind == CommandKind.Auth)
        {
            return Encode(ResponseStatus.Ok, id, []);
        }

        byte[]? value;
        switch (command.Kind)
        {
            case CommandKind.Set:
                _store[key] = command.Value.ToArray();
                return Encode(ResponseStatus.Ok, id, []);
            case CommandKind.Get:
                return _store.TryGetValue(key, out value) ? Encode(ResponseStatus.Ok, id, value) : Encode(ResponseStatus.NotFound, id, []);
            case CommandKind.Clear:
                return _store.TryRemove(key, out value) ? Encode(ResponseStatus.Ok, id, value) : Encode(ResponseStatus.NotFound, id, []);
            default:
                return Encode(ResponseStatus.Ok, id, command.Value.IsEmpty ? Encoding.UTF8.GetBytes("PONG") : command.Value.ToArray());
        }
    }

    private static byte[] Error(uint id, ProtocolErrorCode code, string message)
    {
        var text = Encoding.UTF8.GetBytes(message);
        var error = new byte[ResponseEncoder.GetEncodedLength(ProtocolVersion.V1, ResponseStatus.Error, text.Length)];
        ResponseEncoder.Encode(error, ProtocolVersion.V1, ResponseStatus.Error, id, text, code);
        return error;
    }

    private static byte[] Encode(ResponseStatus status, uint id, byte[] payload)
    {
        var bytes = new byte[ResponseEncoder.GetEncodedLength(ProtocolVersion.V1, status, payload.Length)];
        ResponseEncoder.Encode(bytes, ProtocolVersion.V1, status, id, payload);
        return bytes;
    }
}
