using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using CommunityToolkit.HighPerformance.Buffers;
using HdrHistogram;
using Kv.Bench.Wire;
using Kv.Epoll;

namespace Kv.Bench.Load;

/// <summary>
/// One connection's load, driven by a <see cref="LoadLoop"/> on a non-blocking socket: send a batch of
/// <see cref="BenchOptions.Pipeline"/> requests in one write, read all their responses as they come, record each one's
/// latency from the batch's send (as redis-benchmark does with <c>-P</c>), then send the next batch.
/// With TLS (<see cref="BenchOptions.Tls"/>) the same batches go through an <see cref="SslStream"/> instead, driven by
/// <see cref="RunTlsAsync"/> (one asynchronous loop per connection) rather than by a <see cref="LoadLoop"/>: TLS needs
/// whole records, which a non-blocking socket's partial reads and writes cannot give <c>SslStream</c>.
/// </summary>
/// <remarks>
/// The cache test (<see cref="Operation.Cache"/>) sends <see cref="BenchOptions.Pipeline"/> GETs per batch; the keys
/// they missed are filled by SETs at the head of the next batch, before its GETs, so a GET of a key filled there finds
/// it. A batch thus holds up to twice the pipeline; only the GETs count against <c>-n</c> and a counted warm-up.
/// </remarks>
internal sealed partial class ConnectionWorker : IDisposable
{
    private readonly Socket _socket;
    private readonly SslStream? _tls;
    private readonly BenchOptions _options;
    private readonly Operation _operation;
    private readonly bool _cache;
    private readonly RunState _state;
    private readonly KeyStream _keys;
    private readonly ArrayPoolBufferWriter<byte> _requests = new(64 * 1024);

    // The batch's keys in the order sent: the fills first, then the pipeline's draws.
    private readonly long[] _batchKeys;

    // The keys the current batch's GETs missed, to be filled in the next batch (cache test only).
    private readonly long[] _fills;
    private readonly byte[] _key = new byte[Keyspace.KeyLength];
    private readonly byte[] _value;
    private byte[] _received = new byte[64 * 1024];
    private int _receivedStart;
    private int _receivedEnd;
    private int _sent;
    private int _batch;
    private int _batchFills;
    private int _fillCount;
    private int _answered;
    private long _started;
    private long _measureStart;
    private uint _nextRequestId;

    private ConnectionWorker(Socket socket, SslStream? tls, BenchOptions options, Operation operation, RunState state, KeyStream keys)
    {
        _socket = socket;
        _tls = tls;
        _options = options;
        _operation = operation;
        _cache = operation == Operation.Cache;
        _state = state;
        _keys = keys;
        _batchKeys = new long[_cache ? 2 * options.Pipeline : options.Pipeline];
        _fills = new long[_cache ? options.Pipeline : 0];
        _value = new byte[options.ValueSize];
        Fd = (int)socket.Handle;
    }

    public int Fd { get; }

    /// <summary>True once the worker has stopped sending (the run is over for it) and has no response outstanding.</summary>
    public bool Done { get; private set; }

    public LongHistogram Latency { get; } = new(TimeSpan.FromMinutes(1).Ticks * (Stopwatch.Frequency / TimeSpan.TicksPerSecond), 3);

    public PerSecond Seconds { get; } = new();

    public long Measured { get; private set; }

    public long Errors { get; private set; }

    public long Misses { get; private set; }

    /// <summary>GETs answered while measuring (in the get and cache tests); of them, <see cref="Hits"/> found their key.</summary>
    public long Gets { get; private set; }

    public long Hits { get; private set; }

    /// <summary>Fills (the cache test's SETs) answered with an error, such as a server at its memory limit refusing them.</summary>
    public long FillErrors { get; private set; }

    public long VerifyFailures { get; private set; }

    /// <summary>
    /// The TLS connection's load: each batch is written in one <see cref="SslStream.WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/>,
    /// then read until every response is in, as <see cref="LoadLoop"/> does with the socket; no allocation per batch.
    /// Completes when the run is over for this worker.
    /// </summary>
    public async Task RunTlsAsync()
    {
        var tls = _tls ?? throw new InvalidOperationException("Not a TLS connection.");
        await Task.Yield();
        while (StartBatch())
        {
            await tls.WriteAsync(_requests.WrittenMemory).ConfigureAwait(false);
            _sent = _requests.WrittenCount;
            while (true)
            {
                MakeRoom();
                var received = await tls.ReadAsync(_received.AsMemory(_receivedEnd)).ConfigureAwait(false);
                if (received == 0)
                {
                    throw new IOException("The server closed the connection.");
                }

                _receivedEnd += received;
                if (ReadResponses())
                {
                    break;
                }
            }
        }
    }

    /// <summary>Starts the next batch, unless the run is over for this worker.</summary>
    /// <returns>False when nothing was sent: the worker is done.</returns>
    public bool StartBatch()
    {
        var phase = _state.Phase;
        _batch = _options.Pipeline;
        if (phase == RunPhase.Stopped || (phase == RunPhase.Measuring && _state.Counted && (_batch = _state.Claim(_batch)) == 0))
        {
            Done = true;
            return false;
        }

        if (phase == RunPhase.Warmup && _state.WarmupCounted)
        {
            _state.CountWarmup(_batch);
        }

        _measureStart = phase == RunPhase.Measuring ? _state.MeasureStart : -1;
        _requests.Clear();
        _batchFills = _fillCount;
        for (var i = 0; i < _fillCount; i++)
        {
            _batchKeys[i] = _fills[i];
            WriteRequest(Operation.Set, _fills[i]);
        }

        _fillCount = 0;
        var operation = _cache ? Operation.Get : _operation;
        for (var i = 0; i < _batch; i++)
        {
            var id = _options.SequentialKeys ? _state.NextSequentialKey() : _keys.Next();
            _batchKeys[_batchFills + i] = id;
            WriteRequest(operation, id);
        }

        _batch += _batchFills;
        _answered = 0;
        _sent = 0;
        _started = Stopwatch.GetTimestamp();
        return true;
    }

    /// <summary>Sends what is left of the batch; false while the socket cannot take it all.</summary>
    public bool Send()
    {
        while (_sent < _requests.WrittenCount)
        {
            var sent = Native.Send(Fd, _requests.WrittenSpan.Slice(_sent));
            if (sent > 0)
            {
                _sent += (int)sent;
                continue;
            }

            if (Native.LastError is Native.EAGAIN or Native.EINTR)
            {
                return false;
            }

            throw new IOException($"The connection failed while sending (errno {Native.LastError}).");
        }

        return true;
    }

    /// <summary>Reads what has arrived and counts the responses; true when the batch is fully answered.</summary>
    public bool Receive()
    {
        while (true)
        {
            var received = Native.Receive(Fd, FreeSpace());
            if (received > 0)
            {
                _receivedEnd += (int)received;
                if (ReadResponses())
                {
                    return true;
                }

                continue;
            }

            if (received == 0)
            {
                throw new IOException("The server closed the connection.");
            }

            if (Native.LastError is Native.EAGAIN or Native.EINTR)
            {
                return false;
            }

            throw new IOException($"The connection failed while receiving (errno {Native.LastError}).");
        }
    }

    public void Dispose()
    {
        _tls?.Dispose();
        _socket.Dispose();
    }

    private void WriteRequest(Operation operation, long id)
    {
        Keyspace.WriteKey(_key, id + _options.KeyOffset);
        if (operation == Operation.Set)
        {
            Keyspace.WriteValue(_value, _key);
        }

        _options.Protocol.WriteRequest(_requests, operation, _nextRequestId++, _key, operation == Operation.Set ? _value : default);
    }

    // Counts the whole responses received; true when the batch is complete.
    private bool ReadResponses()
    {
        while (_answered < _batch && _options.Protocol.TryReadResponse(_received.AsSpan(_receivedStart, _receivedEnd - _receivedStart), out var consumed, out var outcome, out var payload))
        {
            if (_measureStart >= 0)
            {
                var now = Stopwatch.GetTimestamp();
                Latency.RecordValue(now - _started);
                Seconds.Record(_measureStart, now, now - _started);
                Tally(outcome, payload);
            }

            // A miss is filled whether or not it is measured: the warm-up is what fills the cache.
            if (_cache && outcome == Outcome.Miss && _answered >= _batchFills)
            {
                _fills[_fillCount++] = _batchKeys[_answered];
            }

            _receivedStart += consumed;
            _answered++;
        }

        if (_receivedStart == _receivedEnd)
        {
            _receivedStart = _receivedEnd = 0;
        }

        if (_answered < _batch)
        {
            return false;
        }

        if (_measureStart >= 0)
        {
            Measured += _batch;
        }

        return true;
    }

    private void Tally(Outcome outcome, ReadOnlySpan<byte> payload)
    {
        // In the cache test the fills come first in the batch; in the get test _batchFills is 0.
        var lookup = _answered >= _batchFills && (_operation is Operation.Get or Operation.Cache);
        if (lookup)
        {
            Gets++;
            if (outcome == Outcome.Ok)
            {
                Hits++;
            }
        }

        switch (outcome)
        {
            case Outcome.Error:
                Errors++;
                if (!lookup && _cache)
                {
                    FillErrors++;
                }

                break;
            case Outcome.Miss:
                Misses++;
                break;
            case Outcome.Ok when _options.Verify && lookup:
                Keyspace.WriteKey(_key, _batchKeys[_answered] + _options.KeyOffset);
                if (!Keyspace.IsValueOf(payload, _key, _options.ValueSize))
                {
                    VerifyFailures++;
                }

                break;
        }
    }

    private Span<byte> FreeSpace()
    {
        MakeRoom();
        return _received.AsSpan(_receivedEnd);
    }

    // Leaves free space at the end of the receive buffer: moves the unread bytes to the start, or grows it.
    private void MakeRoom()
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
    }
}
