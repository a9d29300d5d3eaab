using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
using HdrHistogram;
using Kv.Bench.Wire;

namespace Kv.Bench.Load;

/// <summary>
/// One connection's load: send a batch of <see cref="BenchOptions.Pipeline"/> requests in one write, read all their
/// responses, and record each one's latency from the batch's send, as redis-benchmark does with <c>-P</c>.
/// </summary>
internal sealed class ConnectionWorker : IDisposable
{
    private readonly Socket _socket;
    private readonly BenchOptions _options;
    private readonly Operation _operation;
    private readonly Random _random;
    private readonly ArrayBufferWriter<byte> _requests = new(64 * 1024);
    private readonly long[] _batchKeys;
    private byte[] _received = new byte[64 * 1024];
    private int _receivedStart;
    private int _receivedEnd;
    private uint _nextRequestId;

    private ConnectionWorker(Socket socket, BenchOptions options, Operation operation, int seed)
    {
        _socket = socket;
        _options = options;
        _operation = operation;
        _random = new Random(seed);
        _batchKeys = new long[options.Pipeline];
    }

    public LongHistogram Latency { get; } = new(TimeSpan.FromMinutes(1).Ticks * (Stopwatch.Frequency / TimeSpan.TicksPerSecond), 3);

    public PerSecond Seconds { get; } = new();

    public long Measured { get; private set; }

    public long Errors { get; private set; }

    public long Misses { get; private set; }

    public long VerifyFailures { get; private set; }

    public static async Task<ConnectionWorker> ConnectAsync(BenchOptions options, Operation operation, int seed, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(options.Host, options.Port, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new ConnectionWorker(socket, options, operation, seed);
    }

    public async Task RunAsync(RunState state)
    {
        var keyBuffer = new byte[Keyspace.KeyLength];
        var valueBuffer = new byte[_options.ValueSize];
        while (true)
        {
            var phase = state.Phase;
            if (phase == RunPhase.Stopped)
            {
                return;
            }

            var measuring = phase == RunPhase.Measuring;
            var batch = _options.Pipeline;
            if (measuring && state.Counted && (batch = state.Claim(batch)) == 0)
            {
                return;
            }

            WriteBatch(state, batch, keyBuffer, valueBuffer);
            var started = Stopwatch.GetTimestamp();
            var pending = _requests.WrittenMemory;
            while (!pending.IsEmpty)
            {
                pending = pending.Slice(await _socket.SendAsync(pending, SocketFlags.None).ConfigureAwait(false));
            }

            var answered = 0;
            while (true)
            {
                answered = ReadResponses(answered, batch, started, measuring ? state.MeasureStart : -1, keyBuffer);
                if (answered == batch)
                {
                    break;
                }

                var received = await _socket.ReceiveAsync(FreeSpace(), SocketFlags.None).ConfigureAwait(false);
                if (received == 0)
                {
                    throw new IOException("The server closed the connection.");
                }

                _receivedEnd += received;
            }

            if (measuring)
            {
                Measured += batch;
            }
        }
    }

    public void Dispose() => _socket.Dispose();

    private void WriteBatch(RunState state, int batch, byte[] key, byte[] value)
    {
        _requests.ResetWrittenCount();
        for (var i = 0; i < batch; i++)
        {
            var id = _options.SequentialKeys ? state.NextSequentialKey() : _random.NextInt64(_options.Keyspace);
            _batchKeys[i] = id;
            Keyspace.WriteKey(key, id);
            if (_operation == Operation.Set)
            {
                Keyspace.WriteValue(value, key);
            }

            _options.Protocol.WriteRequest(_requests, _operation, _nextRequestId++, key, _operation == Operation.Set ? value : default);
        }
    }

    // measureStart is -1 while warming up: nothing is recorded.
    private int ReadResponses(int answered, int batch, long started, long measureStart, byte[] key)
    {
        while (answered < batch && _options.Protocol.TryReadResponse(_received.AsSpan(_receivedStart, _receivedEnd - _receivedStart), out var consumed, out var outcome, out var payload))
        {
            if (measureStart >= 0)
            {
                var now = Stopwatch.GetTimestamp();
                Latency.RecordValue(now - started);
                Seconds.Record(measureStart, now, now - started);
                switch (outcome)
                {
                    case Outcome.Error:
                        Errors++;
                        break;
                    case Outcome.Miss:
                        Misses++;
                        break;
                    case Outcome.Ok when _options.Verify && _operation == Operation.Get:
                        Keyspace.WriteKey(key, _batchKeys[answered]);
                        if (!Keyspace.IsValueOf(payload, key, _options.ValueSize))
                        {
                            VerifyFailures++;
                        }

                        break;
                }
            }

            _receivedStart += consumed;
            answered++;
        }

        if (_receivedStart == _receivedEnd)
        {
            _receivedStart = _receivedEnd = 0;
        }

        return answered;
    }

    private Memory<byte> FreeSpace()
    {
        if (_receivedEnd == _received.Length)
        {
            if (_receivedStart > 0)
            {
                _received.AsSpan(_receivedStart, _receivedEnd - _receivedStart).CopyTo(_received);
                _receivedEnd -= _receivedStart;
                _receivedStart = 0;
            }
            else
            {
                Array.Resize(ref _received, _received.Length * 2);
            }
        }

        return _received.AsMemory(_receivedEnd);
    }
}
