using System.Diagnostics;
using Kv.Server.Diagnostics;
using Kv.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Kv.Server.Persistence;

/// <summary>
/// The append-only log of every applied SET and CLEAR, with group commit. Writes are appended, under their stripe's
/// lock, to a shared in-memory buffer; one writer thread writes the buffer to the file with one call per batch,
/// fsyncs it as the <see cref="FsyncPolicy"/> says, and resumes the connections waiting for it. A connection awaits
/// <see cref="WaitForAcknowledgeAsync"/> before it sends a batch's responses. It also compacts the log in the background (<see cref="LogCompactor"/>).
/// </summary>
/// <remarks>
/// Positions count bytes appended since this process opened the log, starting at the replayed file's length: a
/// position is appended, then written (in the file), then durable (fsynced). A file offset is position - origin;
/// the origin changes when a compacted file replaces the log.
/// </remarks>
internal sealed class AppendOnlyLog : IStoreWriteObserver, IDisposable
{
    /// <summary>The log's file name in the data directory.</summary>
    public const string FileName = "kv.log";

    /// <summary>A log being made (a new one, or a compacted one); left over only by a crash, and removed at start.</summary>
    public const string TempFileName = "kv.log.tmp";

    /// <summary>Held locked while a server uses the directory.</summary>
    public const string LockFileName = "kv.lock";

    /// <summary>Under everysec and no, appends beyond this many unwritten bytes make connections wait for the writer.</summary>
    internal const long MaxBacklogBytes = 64L * 1024 * 1024;

    private const int InitialBufferSize = 64 * 1024;
    private const int RetainedBufferSize = 4 * 1024 * 1024;
    private const long EverySecondMilliseconds = 1000;

    /// <summary>
    /// Under everysec and no, how long the writer lets appends gather after a write before the next: waking it for
    /// every append cost more CPU than the whole request (a thread wake-up each); this bounds what a crash of the
    /// process (not of the machine) can lose to about this long, as Redis's write per event-loop turn does.
    /// </summary>
    internal const int WriteIntervalMilliseconds = 2;
    private static readonly TimeSpan CompactionRetryDelay = TimeSpan.FromSeconds(30);

    private readonly PersistenceOptions _options;
    private readonly MemoryStore _store;
    private readonly ILogger _logger;
    private readonly SafeFileHandle _lockFile;
    private readonly string _directory;
    private readonly string _tempPath;
    private readonly Thread _writer;
    private readonly ManualResetEventSlim _wake = new(false, 0);
    private readonly TaskCompletionSource _failed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopCompaction = new();

    // Shared with appenders, under _appendLock.
    private readonly Lock _appendLock = new();
    private byte[] _active = GC.AllocateUninitializedArray<byte>(InitialBufferSize);
    private int _activeCount;
    private long _appended;
    private bool _writerSleeping;
    private bool _stopRequested;
    private SwitchRequest? _switch;
    private TaskCompletionSource? _compactionRequest;
    private bool _compacting;

    // Waiting connections, under _waitLock.
    private readonly Lock _waitLock = new();
    private readonly List<LogWaiter> _waiters = [];
    private readonly ManualResetEventSlim _gathered = new(false, 0);
    private int _gatherTarget = int.MaxValue;
    private readonly List<LogWaiter> _released = [];

    // The writer thread's own (read elsewhere only through the volatile properties).
    private byte[] _spare = GC.AllocateUninitializedArray<byte>(InitialBufferSize);
    private SafeFileHandle _file;
    private long _fileLength;
    private long _origin;
    private long _written;
    private long _durable;
    private long _lastSync = Environment.TickCount64;
    private long _nextCompactionAttempt;
    private MovingAverage _participants;

    private Task _compaction = Task.CompletedTask;

    private volatile Exception? _failure;
    private long _syncs;
    private long _writes;
    private long _compactions;
    private int _disposed;

    private AppendOnlyLog(PersistenceOptions options, MemoryStore store, ILogger logger, SafeFileHandle lockFile, SafeFileHandle file, ReplayResult replay)
    {
        _options = options;
        _store = store;
        _logger = logger;
        _lockFile = lockFile;
        _directory = Path.GetFullPath(options.DataDirectory);
        _tempPath = Path.Combine(_directory, TempFileName);
        FilePath = Path.Combine(_directory, FileName);
        _file = file;
        _fileLength = replay.ValidLength;
        _appended = _written = _durable = replay.ValidLength;
        Replay = replay;
        _writer = new Thread(WriterLoop) { IsBackground = true, Name = "kv-log-writer" };
    }

    /// <summary>When responses wait, and for what.</summary>
    public FsyncPolicy Policy => _options.Fsync;

    /// <summary>The log file's full path.</summary>
    public string FilePath { get; }

    /// <summary>What opening the log replayed.</summary>
    public ReplayResult Replay { get; }

    /// <summary>True once a write or fsync of the log has failed: nothing more is acknowledged, and the server must stop.</summary>
    public bool IsFailed => _failure is not null;

    /// <summary>Completes when the log fails (never otherwise).</summary>
    public Task Failed => _failed.Task;

    /// <summary>The position after the last record appended to the buffer.</summary>
    public long AppendedPosition => Volatile.Read(ref _appended);

    /// <summary>The position up to which records are written to the file (in the OS's hands).</summary>
    public long WrittenPosition => Volatile.Read(ref _written);

    /// <summary>The position up to which records are fsynced.</summary>
    public long DurablePosition => Volatile.Read(ref _durable);

    /// <summary>The log file's current length.</summary>
    public long FileLength => Volatile.Read(ref _fileLength);

    /// <summary>How many fsyncs of the log (not of compacted copies) were made.</summary>
    public long SyncCount => Interlocked.Read(ref _syncs);

    /// <summary>How many batch writes were made.</summary>
    public long WriteCount => Interlocked.Read(ref _writes);

    /// <summary>How many compactions replaced the log.</summary>
    public long CompactionCount => Interlocked.Read(ref _compactions);

    /// <summary>Test hook: runs at each compaction step; throwing interrupts the compaction there.</summary>
    internal Action<CompactionStep>? CompactionFault { get; set; }

    /// <summary>Test knob: the pause between writes under everysec and no (<see cref="WriteIntervalMilliseconds"/>).</summary>
    internal int WriteInterval { get; set; } = WriteIntervalMilliseconds;

    /// <summary>Test knob: how much the compactor leaves for the writer to copy at the switch.</summary>
    internal long CompactionCatchUpSlack { get; set; } = LogCompactor.DefaultCatchUpSlack;

    /// <summary>Test hook: runs before each write ("write") and fsync ("sync") of the log; throwing fails it.</summary>
    internal Action<string>? IoFault { get; set; }

    // Positions that acknowledge: durable under always; written (in the OS) otherwise.
    private long AcknowledgedPosition => _options.Fsync == FsyncPolicy.Always ? DurablePosition : WrittenPosition;

    /// <summary>
    /// Opens the log in the data directory (creating both if missing), replays it into <paramref name="store"/>,
    /// truncates a torn tail, and starts the writer. The directory stays locked until <see cref="Dispose"/>.
    /// </summary>
    /// <exception cref="LogCorruptionException">The log is damaged in a way that a restart must not paper over.</exception>
    /// <exception cref="IOException">The directory is in use by another server, or cannot be used.</exception>
    public static AppendOnlyLog Open(PersistenceOptions options, MemoryStore store, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var directory = Path.GetFullPath(options.DataDirectory);
        CreateDirectoryDurably(directory, logger);
        var lockFile = Lock(directory);
        SafeFileHandle? file = null;
        try
        {
            var path = Path.Combine(directory, FileName);
            var temp = Path.Combine(directory, TempFileName);
            if (File.Exists(temp))
            {
                // A crash during compaction (or creation): the log itself is intact; the half-made copy is not needed.
                File.Delete(temp);
                ServerLog.LeftoverRemoved(logger, temp);
            }

            if (!File.Exists(path))
            {
                CreateEmpty(directory, path, temp);
                ServerLog.LogCreated(logger, path);
            }

            file = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
            var replay = LogReplayer.Replay(file, path, store);
            if (replay.TornBytes > 0)
            {
                RandomAccess.SetLength(file, replay.ValidLength);
                ServerLog.TornTailTruncated(logger, path, replay.ValidLength, replay.TornBytes);
            }

            // What was replayed may still be only in the page cache (the last process crashed, not the machine):
            // fsync it, so that what the store holds now is on disk before anything is acknowledged.
            FileSync.SyncData(file);
            ServerLog.Replayed(logger, replay.Records, path, replay.ValidLength, store.Count, (long)replay.Elapsed.TotalMilliseconds, PersistenceOptions.FormatFsync(options.Fsync));
            var log = new AppendOnlyLog(options, store, logger, lockFile, file, replay);
            log._writer.Start();
            return log;
        }
        catch
        {
            file?.Dispose();
            lockFile.Dispose();
            throw;
        }
    }

    /// <summary>Appends SET key value; called under the key's stripe lock (<see cref="IStoreWriteObserver"/>).</summary>
    public void OnSet(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        var size = LogRecordWriter.SetLength(key.Length, value.Length);
        bool wake;
        lock (_appendLock)
        {
            LogRecordWriter.WriteSet(Reserve(size), key, value);
            wake = Commit(size);
        }

        if (wake)
        {
            _wake.Set();
        }
    }

    /// <summary>Appends CLEAR key; called under the key's stripe lock (<see cref="IStoreWriteObserver"/>).</summary>
    public void OnRemoved(ReadOnlySpan<byte> key)
    {
        var size = LogRecordWriter.ClearLength(key.Length);
        bool wake;
        lock (_appendLock)
        {
            LogRecordWriter.WriteClear(Reserve(size), key);
            wake = Commit(size);
        }

        if (wake)
        {
            _wake.Set();
        }
    }

    /// <summary>
    /// Completes when a batch's responses may be sent. Under <c>always</c>: once every write appended so far is
    /// fsynced, which covers the batch's own writes and every write its reads saw. Otherwise at once, unless the
    /// writer is more than <see cref="MaxBacklogBytes"/> behind (then once it has caught up: backpressure).
    /// </summary>
    /// <returns>True to send; false when the log failed and nothing may be acknowledged.</returns>
    public ValueTask<bool> WaitForAcknowledgeAsync(LogWaiter waiter)
    {
        if (_failure is not null)
        {
            // Appends are dropped once the log has failed, without moving the position: nothing is acknowledged.
            return ValueTask.FromResult(false);
        }

        var needed = AppendedPosition;
        if (_options.Fsync != FsyncPolicy.Always && needed - WrittenPosition <= MaxBacklogBytes)
        {
            return ValueTask.FromResult(true);
        }

        if (AcknowledgedPosition >= needed)
        {
            return ValueTask.FromResult(true);
        }

        lock (_waitLock)
        {
            // Checked again under the lock the writer publishes under, so a completion cannot slip in between.
            if (AcknowledgedPosition >= needed)
            {
                return ValueTask.FromResult(true);
            }

            if (_failure is not null)
            {
                return ValueTask.FromResult(false);
            }

            waiter.Arm(needed);
            _waiters.Add(waiter);
            if (_waiters.Count >= _gatherTarget)
            {
                _gatherTarget = int.MaxValue;
                _gathered.Set();
            }
        }

        if (_options.Fsync != FsyncPolicy.Always)
        {
            // Backpressure: the writer may be pausing between writes; the backlog is its cue to go on now.
            Wake();
        }

        return new ValueTask<bool>(waiter, waiter.Version);
    }

    /// <summary>Compacts the log now (or after the compaction under way), for tests and operators.</summary>
    /// <returns>Completes when a compaction that started after this call has replaced the log; faults if it failed.</returns>
    public Task CompactAsync()
    {
        Task task;
        lock (_appendLock)
        {
            if (_failure is not null || _stopRequested)
            {
                return Task.FromException(new InvalidOperationException("The log is failed or closing."));
            }

            _compactionRequest ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            task = _compactionRequest.Task;
        }

        Wake();
        return task;
    }

    /// <summary>
    /// Waits until every append made so far is written to the file (in the operating system's hands, as a process
    /// crash leaves it), whatever the policy; for tests.
    /// </summary>
    public async Task WaitWrittenAsync()
    {
        var needed = AppendedPosition;
        while (WrittenPosition < needed)
        {
            if (_failure is not null)
            {
                throw new IOException("The log failed.", _failure);
            }

            Wake();
            await Task.Delay(1).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Closes the log: stops a compaction under way, writes and fsyncs what is buffered, closes the file and unlocks
    /// the directory. Call after the connections have finished.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called on the writer thread (from a connection it resumed), which it must wait for.</exception>
    public void Dispose()
    {
        if (Thread.CurrentThread == _writer)
        {
            throw new InvalidOperationException("The log cannot be closed from its own writer thread; close it from another thread.");
        }

        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stopCompaction.Cancel();
        Task compaction;
        lock (_appendLock)
        {
            compaction = _compaction;
        }

        // The writer still runs meanwhile: a compaction waiting for its switch gets it.
        try
        {
            compaction.Wait();
        }
        catch (AggregateException)
        {
            // Already logged by the compaction.
        }

        lock (_appendLock)
        {
            _stopRequested = true;
        }

        Wake();
        _writer.Join();
        ServerLog.LogClosed(_logger, AppendedPosition - Replay.ValidLength, WriteCount, SyncCount, CompactionCount);
        _file.Dispose();
        _lockFile.Dispose();
        _wake.Dispose();
        _gathered.Dispose();
        _stopCompaction.Dispose();
    }

    // Creates the data directory (and any missing parents) and flushes the parent of each new entry and the data
    // directory's own parent, so that a machine crash cannot take the whole directory, log and all, after writes to
    // it were acknowledged; the latter every time, since a crash may have come between an earlier creation and its
    // flush. A parent that cannot be flushed (not readable by this user, say) is a warning, not a refusal to start.
    private static void CreateDirectoryDurably(string directory, ILogger logger)
    {
        var missing = new List<string>();
        for (var d = directory; d is not null && !Directory.Exists(d); d = Path.GetDirectoryName(d))
        {
            missing.Add(d);
        }

        Directory.CreateDirectory(directory);
        var parents = missing.Select(Path.GetDirectoryName).Append(Path.GetDirectoryName(directory)).OfType<string>().Distinct();
        foreach (var parent in parents.Reverse())
        {
            try
            {
                FileSync.SyncDirectory(parent);
            }
            catch (IOException e)
            {
                ServerLog.DirectorySyncFailed(logger, parent, e.Message);
            }
        }
    }

    private static SafeFileHandle Lock(string directory)
    {
        var path = Path.Combine(directory, LockFileName);
        try
        {
            // FileShare.None is an exclusive advisory lock (flock) on Unix; the kernel drops it if the process dies.
            return File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new IOException($"The data directory {directory} is in use by another Kv server ({path} is locked).", e);
        }
    }

    // A new log is made whole in the temporary file and renamed into place, so that a log file with a partial header
    // never exists.
    private static void CreateEmpty(string directory, string path, string temp)
    {
        using (var handle = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None))
        {
            Span<byte> header = stackalloc byte[LogFormat.FileHeaderSize];
            LogFormat.WriteFileHeader(header);
            RandomAccess.Write(handle, header, 0);
            FileSync.SyncData(handle);
        }

        File.Move(temp, path);
        FileSync.SyncDirectory(directory);
    }

    private Span<byte> Reserve(int size)
    {
        if (_activeCount + size > _active.Length)
        {
            var grown = GC.AllocateUninitializedArray<byte>((int)Math.Min(Array.MaxLength, Math.Max(2L * _active.Length, (long)_activeCount + size)));
            _active.AsSpan(0, _activeCount).CopyTo(grown);
            _active = grown;
        }

        return _active.AsSpan(_activeCount, size);
    }

    // Under _appendLock. Returns true when the writer sleeps and must be woken (after the lock is released).
    private bool Commit(int size)
    {
        if (_failure is not null)
        {
            // Nobody writes any more: drop the record rather than grow the buffer forever.
            return false;
        }

        _activeCount += size;
        Volatile.Write(ref _appended, _appended + size);
        if (!_writerSleeping)
        {
            return false;
        }

        _writerSleeping = false;
        return true;
    }

    // For requests other than appends (stop, switch, compaction, backlog): they also end a pause between writes.
    private void Wake()
    {
        lock (_appendLock)
        {
            _writerSleeping = false;
        }

        _wake.Set();
    }

    private void WriterLoop()
    {
        try
        {
            while (true)
            {
                if (_options.Fsync == FsyncPolicy.Always)
                {
                    MaybeGather();
                }

                byte[] batch;
                int count;
                long end;
                SwitchRequest? switchRequest;
                bool stopping;
                bool sleep;
                lock (_appendLock)
                {
                    count = _activeCount;
                    switchRequest = _switch;
                    stopping = _stopRequested;
                    var compactionWanted = _compactionRequest is not null && !_compacting;
                    sleep = count == 0 && switchRequest is null && !stopping && !compactionWanted;
                    _writerSleeping = sleep;

                    // Swap buffers: appenders go on into the spare while this batch is written.
                    _switch = null;
                    batch = _active;
                    _active = _spare;
                    _activeCount = 0;
                    end = _appended;
                }

                _spare = batch;
                if (sleep)
                {
                    Sleep();
                    continue;
                }

                if (switchRequest is not null)
                {
                    Switch(switchRequest, batch, count, end);
                }
                else if (count > 0)
                {
                    Write(_file, batch.AsSpan(0, count), _fileLength);
                    Volatile.Write(ref _fileLength, _fileLength + count);
                    Volatile.Write(ref _written, end);
                    Interlocked.Increment(ref _writes);
                    if (_options.Fsync == FsyncPolicy.Always || (_options.Fsync == FsyncPolicy.EverySecond && SyncDue()))
                    {
                        SyncLog();
                    }
                }

                if (_spare.Length > RetainedBufferSize)
                {
                    // One large value made the buffer large; do not keep it for ever.
                    _spare = GC.AllocateUninitializedArray<byte>(InitialBufferSize);
                }

                var released = CompleteWaiters(out var stillWaiting);
                if (released > 0)
                {
                    _participants.Add(released + stillWaiting);
                }

                if (stopping && count == 0)
                {
                    // Graceful shutdown: whatever the policy, what was written reaches the disk.
                    SyncLog();
                    CompleteWaiters();
                    return;
                }

                MaybeStartCompaction();
                if (_options.Fsync != FsyncPolicy.Always && count > 0)
                {
                    // Not marked as sleeping: appends do not wake it; control requests (Wake) do.
                    _wake.Wait(WriteInterval);
                    _wake.Reset();
                }
            }
        }
        catch (Exception e)
        {
            Fail(e);
        }
    }

    // Group commit, under always. With one request in flight per connection, a connection released by an fsync
    // cannot join the next one if that starts at once, and the writer wakes on the first append of a wave: fsyncs
    // back to back covered about 15 of 50 connections each. Waiting, before taking a batch, until about as many
    // connections wait as took part in recent fsyncs covers nearly all of them in one fsync (measured: 1.28 times
    // Redis's throughput against 0.75 without, and 30% less CPU per request: an fsync costs ~150 µs of CPU on this
    // VM). The wait ends as soon as they are there, and after a millisecond at most; if they do not come (the load
    // fell), the estimate drops to those who did, so that a burst is not followed by many such waits.
    private void MaybeGather()
    {
        var target = (int)(_participants.Average * 7 / 8);
        if (target < 2)
        {
            return;
        }

        lock (_waitLock)
        {
            if (_waiters.Count >= target)
            {
                return;
            }

            _gathered.Reset();
            _gatherTarget = target;
        }

        var gathered = _gathered.Wait(1);
        lock (_waitLock)
        {
            _gatherTarget = int.MaxValue;
            if (!gathered)
            {
                _participants = default;
                _participants.Add(_waiters.Count);
            }
        }
    }

    private void Sleep()
    {
        var timeout = Timeout.Infinite;
        if (_options.Fsync == FsyncPolicy.EverySecond && _written > _durable)
        {
            timeout = (int)Math.Clamp(_lastSync + EverySecondMilliseconds - Environment.TickCount64, 0, EverySecondMilliseconds);
        }

        _wake.Wait(timeout);
        _wake.Reset();
        lock (_appendLock)
        {
            _writerSleeping = false;
        }

        if (_options.Fsync == FsyncPolicy.EverySecond && SyncDue())
        {
            SyncLog();
            CompleteWaiters();
        }
    }

    private bool SyncDue() => _written > _durable && Environment.TickCount64 - _lastSync >= EverySecondMilliseconds;

    private void Write(SafeFileHandle file, ReadOnlySpan<byte> data, long offset)
    {
        IoFault?.Invoke("write");
        RandomAccess.Write(file, data, offset);
    }

    private void SyncLog()
    {
        var written = _written;
        if (written == _durable)
        {
            return;
        }

        IoFault?.Invoke("sync");
        FileSync.SyncData(_file);
        _lastSync = Environment.TickCount64;
        Interlocked.Increment(ref _syncs);
        lock (_waitLock)
        {
            Volatile.Write(ref _durable, written);
        }
    }

    // Resumes the waiters the acknowledged position now covers, here on the writer thread: each runs inline until it
    // next waits (its send, then usually a receive that is pending). A separate resumer thread, woken once per group,
    // cost 8% more CPU per request and gained nothing once the writer gathers: it waits for these connections to come
    // back anyway, which they can do only once their responses are sent. Returns how many were released, and how many
    // still wait.
    private int CompleteWaiters() => CompleteWaiters(out _);

    private int CompleteWaiters(out int stillWaiting)
    {
        var acknowledged = AcknowledgedPosition;
        lock (_waitLock)
        {
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                var waiter = _waiters[i];
                if (waiter.Position <= acknowledged)
                {
                    _waiters[i] = _waiters[^1];
                    _waiters.RemoveAt(_waiters.Count - 1);
                    _released.Add(waiter);
                }
            }

            stillWaiting = _waiters.Count;
        }

        // Outside the lock: the connections resumed here register their next waits under it.
        var released = _released.Count;
        foreach (var waiter in _released)
        {
            waiter.Complete(true);
        }

        _released.Clear();
        return released;
    }

    // A failed write or fsync leaves the file in an unknown state (after a failed fsync, Linux may have dropped the
    // dirty pages and will not report it again), so nothing after it may be acknowledged: fail every wait (and
    // every later one), and let the server stop. A restart replays what is really on disk.
    private void Fail(Exception e)
    {
        _failure = e;
        ServerLog.LogFailed(_logger, FilePath, e);
        SwitchRequest? pending;
        TaskCompletionSource? request;
        lock (_appendLock)
        {
            pending = _switch;
            _switch = null;
            request = _compactionRequest;
            _compactionRequest = null;
        }

        pending?.Done.TrySetException(new IOException("The log failed.", e));
        request?.TrySetException(new IOException("The log failed.", e));
        LogWaiter[] failed;
        lock (_waitLock)
        {
            failed = [.. _waiters];
            _waiters.Clear();
        }

        foreach (var waiter in failed)
        {
            // Each closes its connection without sending.
            waiter.Complete(false);
        }

        _failed.TrySetResult();
    }

    private void MaybeStartCompaction()
    {
        TaskCompletionSource? request;
        lock (_appendLock)
        {
            if (_compacting || _stopRequested)
            {
                return;
            }

            request = _compactionRequest;
            _compactionRequest = null;
            if (request is null && !CompactionWanted())
            {
                return;
            }

            _compacting = true;
            var file = _file;
            var origin = _origin;

            // The written position, not the appended one: the copy continues from the old file at exactly this
            // position, and the records between the two are not in the file yet (they come in a later batch).
            var start = _written;
            _compaction = Task.Factory.StartNew(
                () => Compact(file, origin, start, request),
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default);
        }
    }

    // Redis's rule, with the live size measured instead of remembered: large enough to be worth it, and mostly dead.
    private bool CompactionWanted()
    {
        var length = _fileLength;
        if (_options.CompactionRatio == 0 || length < _options.CompactionMinBytes || length <= LogFormat.FileHeaderSize ||
            Environment.TickCount64 < _nextCompactionAttempt)
        {
            return false;
        }

        // Each live key costs its store record plus the log record's header and operation byte.
        var live = LogFormat.FileHeaderSize + _store.LiveBytes + (_store.Count * (LogFormat.RecordHeaderSize + 1));
        return length > live * _options.CompactionRatio;
    }

    // On its own thread. `start` was taken before any stripe is copied. The request (of
    // CompactAsync) completes only once everything is cleaned up.
    private void Compact(SafeFileHandle oldLog, long origin, long start, TaskCompletionSource? request)
    {
        var stopwatch = Stopwatch.StartNew();
        var oldLength = FileLength;
        ServerLog.CompactionStarted(_logger, oldLength, _store.LiveBytes, _store.Count);
        CompactedFile? copy = null;
        Exception? failure = null;
        try
        {
            copy = LogCompactor.WriteCopy(_store, oldLog, origin, start, () => WrittenPosition, _tempPath, CompactionFault, CompactionCatchUpSlack, _stopCompaction.Token);
            var switchRequest = new SwitchRequest(copy);
            lock (_appendLock)
            {
                if (_failure is not null)
                {
                    throw new IOException("The log failed.", _failure);
                }

                _switch = switchRequest;
            }

            Wake();
            try
            {
                switchRequest.Done.Task.GetAwaiter().GetResult();
            }
            finally
            {
                switchRequest.OldFile?.Dispose();
            }

            Interlocked.Increment(ref _compactions);
            ServerLog.CompactionDone(_logger, oldLength, copy.Length, (long)stopwatch.Elapsed.TotalMilliseconds, (long)switchRequest.Pause.TotalMilliseconds);
        }
        catch (Exception e)
        {
            failure = e;
            if (e is not OperationCanceledException || !_stopCompaction.IsCancellationRequested)
            {
                ServerLog.CompactionFailed(_logger, e);
            }

            _nextCompactionAttempt = Environment.TickCount64 + (long)CompactionRetryDelay.TotalMilliseconds;
        }
        finally
        {
            copy?.Dispose();
            if (copy is null || !copy.HandedOver)
            {
                // Never the log: after a successful rename there is nothing at this path.
                TryDelete(_tempPath);
            }

            lock (_appendLock)
            {
                _compacting = false;
            }
        }

        if (failure is OperationCanceledException && _stopCompaction.IsCancellationRequested)
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

        // A CompactAsync that came while this one ran is served next.
        Wake();
    }

    // On the writer thread, with the batch taken from the buffer: appends wait in the buffer meanwhile, and
    // connections under `always` wait for their acknowledgement. The steps are in docs/persistence.md.
    private void Switch(SwitchRequest request, byte[] batch, int count, long end)
    {
        var stopwatch = Stopwatch.StartNew();
        var copy = request.Copy;
        try
        {
            // The records written to the old log since the compactor last copied, then this batch: the copy is whole.
            LogCompactor.CopyRange(_file, copy.CopiedUpTo - _origin, _written - copy.CopiedUpTo, copy);
            Write(copy.Handle, batch.AsSpan(0, count), copy.Length);
            copy.Length += count;
            if (copy.Length != copy.SnapshotLength + (end - copy.StartPosition))
            {
                // Positions would no longer map to offsets in the new file: never put such a file in place.
                throw new InvalidOperationException(
                    $"The compacted log is {copy.Length} bytes where {copy.SnapshotLength + (end - copy.StartPosition)} were expected; it is discarded.");
            }

            FileSync.SyncData(copy.Handle);
            CompactionFault?.Invoke(CompactionStep.FinalWritten);
            File.Move(_tempPath, FilePath, overwrite: true);
        }
        catch (Exception e)
        {
            // Nothing has changed for the log (rename is atomic): give up the compaction and carry on with the
            // old file, writing this batch to it as any other.
            request.Done.TrySetException(e);
            Write(_file, batch.AsSpan(0, count), _fileLength);
            Volatile.Write(ref _fileLength, _fileLength + count);
            Volatile.Write(ref _written, end);
            if (_options.Fsync == FsyncPolicy.Always)
            {
                SyncLog();
            }

            return;
        }

        try
        {
            CompactionFault?.Invoke(CompactionStep.Renamed);

            // Without this, a crash of the machine could bring the old name back, and lose what only the new file has.
            FileSync.SyncDirectory(_directory);
            CompactionFault?.Invoke(CompactionStep.DirectorySynced);
        }
        catch (Exception e)
        {
            // The new file is the log now, but whether its name is on disk is unknown: stop, as for any failed fsync.
            request.Done.TrySetException(e);
            throw;
        }

        // The old file is closed by the compaction thread: it is unlinked now, so its last close frees all its
        // blocks, which took 40-70 ms for a 64 MiB log here, and appends must not wait for that.
        request.OldFile = _file;
        _file = copy.Handle;
        copy.HandedOver = true;
        _origin = copy.StartPosition - copy.SnapshotLength;
        Volatile.Write(ref _fileLength, copy.Length);
        lock (_waitLock)
        {
            Volatile.Write(ref _written, end);
            Volatile.Write(ref _durable, end);
        }

        _lastSync = Environment.TickCount64;
        request.Pause = stopwatch.Elapsed;
        request.Done.TrySetResult();
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Removed at the next start.
        }
    }

    /// <summary>An exponentially weighted moving average: the last eight or so samples count most.</summary>
    private struct MovingAverage
    {
        private double _value;

        public readonly double Average => _value;

        public void Add(double sample) => _value = _value == 0 ? sample : (_value * 0.875) + (sample * 0.125);
    }

    private sealed class SwitchRequest(CompactedFile copy)
    {
        public CompactedFile Copy { get; } = copy;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TimeSpan Pause { get; set; }

        /// <summary>The replaced log's handle, for the compaction thread to close.</summary>
        public SafeFileHandle? OldFile { get; set; }
    }
}
