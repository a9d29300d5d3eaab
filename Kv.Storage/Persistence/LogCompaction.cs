using System.Diagnostics;
using Kv.Storage.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Kv.Storage.Persistence;

/// <summary>
/// When and how the log is compacted: Redis's rule (the log large enough and mostly dead), the copy on a thread of its
/// own (<see cref="LogCompactor"/>), and the hand-over to the writer, which switches files (<c>LogWriter.Switch.cs</c>).
/// A failed compaction keeps the current log and is tried again later, less often after each failure in a row; one that
/// would not fit in the disk's free space is not started.
/// </summary>
internal sealed class LogCompaction : IDisposable
{
    private const long FirstRetryDelayMilliseconds = 30_000;
    private const long LongestRetryDelayMilliseconds = 3_600_000;

    // What a compaction needs free on the disk besides the live data's size: the records written meanwhile, and room for
    // the log itself to go on growing.
    private const long FreeSpaceMargin = 64L * 1024 * 1024;

    private readonly PersistenceOptions _options;
    private readonly MemoryStore _store;
    private readonly DataDirectory _directory;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private readonly SemaphoreSlim _go = new(0);
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private LogWriter _writer = null!;
    private TaskCompletionSource? _request;
    private SwitchRequest? _switch;
    private bool _compacting;
    private bool _closed;
    private Exception? _failure;
    private (LogFile File, long Start, TaskCompletionSource? Request)? _next;
    private long _nextAttempt;
    private int _failuresInARow;
    private long _count;

    public LogCompaction(PersistenceOptions options, MemoryStore store, DataDirectory directory, ILogger logger)
    {
        _options = options;
        _store = store;
        _directory = directory;
        _logger = logger;

        // Made at start, not when a compaction is due: it must not fail for want of a thread (or of the memory or
        // descriptors a new one needs) while the server runs.
        _thread = new Thread(Run) { IsBackground = true, Name = "kv-log-compactor" };
    }

    /// <summary>How many compactions replaced the log.</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <summary>True while a finished copy waits for the writer to switch files.</summary>
    public bool HasSwitchPending
    {
        get
        {
            lock (_lock)
            {
                return _switch is not null;
            }
        }
    }

    /// <summary>True while a requested compaction waits to start: the writer must not sleep on it.</summary>
    public bool HasPendingRequest
    {
        get
        {
            lock (_lock)
            {
                return _request is not null && !_compacting;
            }
        }
    }

    /// <summary>Test hook: runs at each compaction step; throwing interrupts the compaction there.</summary>
    internal Action<CompactionStep>? Fault { get; set; }

    /// <summary>Test knob: how much the compactor leaves for the writer to copy at the switch.</summary>
    internal long CatchUpSlack { get; set; } = LogCompactor.DefaultCatchUpSlack;

    public void Attach(LogWriter writer)
    {
        _writer = writer;
        _thread.Start();
    }

    /// <summary>Compacts now (or after the compaction under way).</summary>
    /// <returns>Completes when a compaction that started after this call has replaced the log; faults if it failed.</returns>
    public Task RequestAsync()
    {
        Task task;
        lock (_lock)
        {
            if (_failure is not null || _closed)
            {
                return Task.FromException(new InvalidOperationException("The log is failed or closing."));
            }

            _request ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            task = _request.Task;
        }

        _writer.Wake();
        return task;
    }

    /// <summary>The switch a finished copy waits for, if any; the writer carries it out.</summary>
    public SwitchRequest? TakeSwitch()
    {
        lock (_lock)
        {
            var request = _switch;
            _switch = null;
            return request;
        }
    }

    /// <summary>On the writer thread, after a batch: starts a compaction if one is requested or due.</summary>
    /// <param name="file">The current log file.</param>
    /// <param name="written">
    /// The written position, not the appended one: the copy continues from the old file at exactly this position, and
    /// the records between the two are not in the file yet (they come in a later batch).
    /// </param>
    public void MaybeStart(LogFile file, long written)
    {
        TaskCompletionSource? request;
        lock (_lock)
        {
            if (_compacting || _closed)
            {
                return;
            }

            request = _request;
            _request = null;
            if (request is null && !Wanted(file.Length))
            {
                return;
            }

            _compacting = true;
            _next = (file, written, request);
        }

        _go.Release();
    }

    /// <summary>Fails what waits on a compaction: the log failed.</summary>
    public void Fail(Exception e)
    {
        SwitchRequest? pending;
        TaskCompletionSource? request;
        lock (_lock)
        {
            _failure = e;
            pending = _switch;
            _switch = null;
            request = _request;
            _request = null;
        }

        pending?.Done.TrySetException(new IOException("The log failed.", e));
        request?.TrySetException(new IOException("The log failed.", e));
    }

    /// <summary>Stops a compaction under way and waits for it; none starts afterwards. The writer must still run.</summary>
    public void Close()
    {
        _stop.Cancel();
        lock (_lock)
        {
            _closed = true;
        }

        _go.Release();
        _thread.Join();
    }

    public void Dispose()
    {
        _stop.Dispose();
        _go.Dispose();
    }

    private void Run()
    {
        while (true)
        {
            _go.Wait();
            (LogFile File, long Start, TaskCompletionSource? Request)? next;
            lock (_lock)
            {
                if (_closed && !_compacting)
                {
                    return;
                }

                next = _next;
                _next = null;
            }

            if (next is { } work)
            {
                Compact(work.File, work.Start, work.Request);
            }

            lock (_lock)
            {
                if (_closed)
                {
                    return;
                }
            }
        }
    }

    // Redis's rule, with the live size measured instead of remembered: large enough to be worth it, and mostly dead.
    private bool Wanted(long length)
    {
        if (_options.CompactionRatio == 0 || length < _options.CompactionMinBytes || length <= LogFormat.FileHeaderSize ||
            Environment.TickCount64 < _nextAttempt)
        {
            return false;
        }

        // Each live key costs its store record plus the log record's header and operation byte.
        var live = LogFormat.FileHeaderSize + _store.LiveBytes + (_store.Count * (LogFormat.RecordHeaderSize + 1));
        if (length <= live * _options.CompactionRatio)
        {
            return false;
        }

        // A copy that would not fit would take the disk's last bytes from the log's own appends, and fail anyway.
        var free = FreeSpace();
        if (free >= 0 && free < live + FreeSpaceMargin)
        {
            StorageLog.CompactionPostponed(_logger, live, free);
            Backoff();
            return false;
        }

        return true;
    }

    private long FreeSpace()
    {
        try
        {
            return new DriveInfo(_directory.Path).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return -1;
        }
    }

    // The next try waits 30 s after a first failure, then twice as long after each failure in a row, up to an hour.
    private void Backoff()
    {
        _failuresInARow = Math.Min(_failuresInARow + 1, 20);
        var delay = Math.Min(LongestRetryDelayMilliseconds, FirstRetryDelayMilliseconds << (_failuresInARow - 1));
        _nextAttempt = Environment.TickCount64 + delay;
    }

    // On its own thread. `start` was taken before any stripe is copied. The request (of RequestAsync) completes only once
    // everything is cleaned up.
    private void Compact(LogFile oldLog, long start, TaskCompletionSource? request)
    {
        var stopwatch = Stopwatch.StartNew();
        var oldLength = oldLog.Length;
        StorageLog.CompactionStarted(_logger, oldLength, _store.LiveBytes, _store.Count);
        CompactedFile? copy = null;
        Exception? failure = null;
        try
        {
            copy = LogCompactor.WriteCopy(_store, oldLog, start, () => _writer.Written, _directory.TempPath, Fault, CatchUpSlack, _stop.Token);
            var switchRequest = new SwitchRequest(copy);
            lock (_lock)
            {
                if (_failure is not null)
                {
                    throw new IOException("The log failed.", _failure);
                }

                _switch = switchRequest;
            }

            _writer.Wake();
            try
            {
                switchRequest.Done.Task.GetAwaiter().GetResult();
            }
            finally
            {
                switchRequest.OldFile?.Dispose();
            }

            Interlocked.Increment(ref _count);
            _failuresInARow = 0;
            StorageLog.CompactionDone(_logger, oldLength, copy.Length, (long)stopwatch.Elapsed.TotalMilliseconds, (long)switchRequest.Pause.TotalMilliseconds);
        }
        catch (Exception e)
        {
            failure = e;
            if (e is not OperationCanceledException || !_stop.IsCancellationRequested)
            {
                StorageLog.CompactionFailed(_logger, e);
            }

            Backoff();
        }
        finally
        {
            copy?.Dispose();
            if (copy is null || !copy.HandedOver)
            {
                // Never the log: after a successful rename there is nothing at this path.
                _directory.TryDeleteTemp();
            }

            lock (_lock)
            {
                _compacting = false;
            }
        }

        if (failure is OperationCanceledException && _stop.IsCancellationRequested)
        {
            request?.TrySetCanceled();
        }
        else if (failure is not null)
        {
            request?.TrySetException(failure);
        }
        else
        {
            request?.TrySetResult();
        }

        // A request that came while this one ran is served next.
        _writer.Wake();
    }
}

/// <summary>A finished copy waiting for the writer to put it in place.</summary>
internal sealed class SwitchRequest(CompactedFile copy)
{
    public CompactedFile Copy { get; } = copy;

    public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TimeSpan Pause { get; set; }

    /// <summary>The replaced log file, for the compaction thread to close.</summary>
    public LogFile? OldFile { get; set; }
}
