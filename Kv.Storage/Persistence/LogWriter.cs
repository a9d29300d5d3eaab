using Kv.Storage.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Kv.Storage.Persistence;

/// <summary>
/// Writing the log, and group commit. One write path (<see cref="Commit"/>, under a lock) takes what was appended,
/// writes it to the file with one call, fsyncs as the <see cref="FsyncPolicy"/> says, and publishes the acknowledged
/// position; it also carries out the file switch at the end of a compaction (<c>LogWriter.Switch.cs</c>). Two kinds of
/// callers use it: an event loop at the end of each turn, on its own thread (<see cref="CallerCommits"/>: group commit
/// without a hand-off, as Redis's event loop does), and the log's writer thread for waiters (connections on the runtime's
/// sockets: this thread only writes and syncs; the waiters resume on the log's resumer thread). The writer thread also
/// makes the once-a-second fsync of <c>everysec</c>, outside the lock, so that it never holds up a loop.
/// </summary>
/// <remarks>
/// A position is appended, then written (in the file, in the operating system's hands), then durable (fsynced).
/// Waiters are acknowledged at the durable position under <c>always</c>, at the written one otherwise.
/// </remarks>
internal sealed partial class LogWriter : IDisposable
{
    /// <summary>
    /// Under everysec and no, how long the writer lets appends gather after a write before the next: waking it for every
    /// append cost more CPU than the whole request (a thread wake-up each); this bounds what a crash of the process (not
    /// of the machine) can lose to about this long, as Redis's write per event-loop turn does.
    /// </summary>
    internal const int WriteIntervalMilliseconds = 2;

    /// <summary>While the disk is full, how often writing what waits is tried again.</summary>
    internal const int DiskFullRetryMilliseconds = 250;

    private const long EverySecondMilliseconds = 1000;

    private readonly PersistenceOptions _options;
    private readonly LogAppender _appender;
    private readonly CommitWaiters _waiters;
    private readonly LogCompaction _compaction;
    private readonly DataDirectory _directory;
    private readonly MemoryStore _store;
    private readonly ILogger _logger;
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _wake = new(false, 0);
    private readonly TaskCompletionSource _failed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _writeLock = new();
    private LogFile _file;
    private long _written;
    private long _durable;
    private long _lastSync = Environment.TickCount64;
    private MovingAverage _participants;
    private volatile bool _stopRequested;
    private volatile Exception? _failure;
    private long _writes;
    private long _syncs;

    public LogWriter(PersistenceOptions options, LogAppender appender, CommitWaiters waiters, LogCompaction compaction, DataDirectory directory, LogFile file, MemoryStore store, ILogger logger)
    {
        _store = store;
        _options = options;
        _appender = appender;
        _waiters = waiters;
        _compaction = compaction;
        _directory = directory;
        _file = file;
        _logger = logger;
        _written = _durable = file.Length;
        _thread = new Thread(Run) { IsBackground = true, Name = "kv-log-writer" };
    }

    public long Written => Volatile.Read(ref _written);

    public long Durable => Volatile.Read(ref _durable);

    public long FileLength => _file.Length;

    public long Writes => Interlocked.Read(ref _writes);

    public long Syncs => Interlocked.Read(ref _syncs);

    public bool IsFailed => _failure is not null;

    public Task Failed => _failed.Task;

    public bool IsWriterThread => Thread.CurrentThread == _thread;

    /// <summary>
    /// True when callers commit themselves (<see cref="Commit"/> at the end of each event-loop turn): appends do not wake
    /// the writer thread, which is left to the timed fsync of <c>everysec</c> and to compaction. Set before any append.
    /// </summary>
    public bool CallerCommits { get; set; }

    /// <summary>Test hook: runs before each write ("write") and fsync ("sync") of the log; throwing fails it.</summary>
    internal Action<string>? IoFault { get; set; }

    /// <summary>Test knob: the pause between writes under everysec and no (<see cref="WriteIntervalMilliseconds"/>).</summary>
    internal int WriteInterval { get; set; } = WriteIntervalMilliseconds;

    // Positions that acknowledge: durable under always; written (in the OS) otherwise.
    private long AcknowledgedPosition => _options.Fsync == FsyncPolicy.Always ? Durable : Written;

    public void Start() => _thread.Start();

    /// <summary>Ends a pause or a sleep: for requests other than appends (stop, switch, compaction).</summary>
    public void Wake()
    {
        _appender.MarkAwake();
        _wake.Set();
    }

    /// <summary>Writes and fsyncs what is buffered, then stops the thread. Not from the writer thread.</summary>
    public void Stop()
    {
        _stopRequested = true;
        Wake();
        _thread.Join();
    }

    public void Dispose()
    {
        _unwritten?.Dispose();
        _file.Dispose();
        _wake.Dispose();
    }

    /// <summary>
    /// Writes everything appended so far, and fsyncs it under <c>always</c>, on the caller's thread; other callers wait
    /// meanwhile, and one whose writes were covered by another's fsync returns at once.
    /// </summary>
    public CommitOutcome Commit()
    {
        if (_failure is not null)
        {
            return CommitOutcome.Failed;
        }

        try
        {
            return WritePending(_options.Fsync == FsyncPolicy.Always, sleepIfEmpty: false) < 0 ? CommitOutcome.NotDurable : CommitOutcome.Acknowledged;
        }
        catch (Exception e)
        {
            Fail(e);
            return CommitOutcome.Failed;
        }
    }

    private void Run()
    {
        try
        {
            while (true)
            {
                if (_options.Fsync == FsyncPolicy.Always && !CallerCommits)
                {
                    MaybeGather();
                }

                var stopping = _stopRequested;
                var idle = !stopping && !_compaction.HasSwitchPending && !_compaction.HasPendingRequest;
                var sync = _options.Fsync == FsyncPolicy.Always && !CallerCommits;
                var count = WritePending(sync, sleepIfEmpty: idle && !CallerCommits, retryNow: stopping);
                // While the disk is full (count < 0), it sleeps until the next retry even with compaction pending.
                if ((count == 0 && idle) || (count < 0 && !stopping))
                {
                    Sleep();
                    continue;
                }

                if (stopping && count <= 0)
                {
                    if (count < 0)
                    {
                        // Nothing more will try: say what is lost.
                        StorageLog.UnwrittenAtClose(_logger, _directory.LogPath, _unwrittenEnd - Written);
                    }

                    // Graceful shutdown: whatever the policy, what was written reaches the disk.
                    lock (_writeLock)
                    {
                        SyncHeld();
                        _waiters.Acknowledge(AcknowledgedPosition, out _);
                    }

                    return;
                }

                if (_options.Fsync == FsyncPolicy.EverySecond && SyncDue())
                {
                    SyncInBackground();
                }

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

    // The one write path. Returns the bytes written, or -1 when some are still unwritten (a full disk).
    private int WritePending(bool sync, bool sleepIfEmpty, bool retryNow = false)
    {
        lock (_writeLock)
        {
            var switchRequest = _compaction.TakeSwitch();
            var batch = _appender.Take(out var end, sleepIfEmpty && switchRequest is null && _unwritten is null);
            var count = batch.WrittenCount;
            try
            {
                if (_unwritten is not null)
                {
                    count = RetryUnwritten(batch.WrittenSpan, end, switchRequest, retryNow);
                    if (count < 0)
                    {
                        return -1;
                    }
                }
                else if (switchRequest is not null)
                {
                    Switch(switchRequest, batch.WrittenSpan, end);
                }
                else if (count > 0)
                {
                    _file.Append(batch.WrittenSpan, IoFault);
                    Volatile.Write(ref _written, end);
                    Interlocked.Increment(ref _writes);
                }
            }
            catch (LogDiskFullException e)
            {
                KeepUnwritten(batch.WrittenSpan, end, e);
                return -1;
            }
            finally
            {
                _appender.Return(batch);
            }

            if (sync)
            {
                SyncHeld();
            }

            var released = _waiters.Acknowledge(AcknowledgedPosition, out var stillWaiting);
            if (released > 0)
            {
                _participants.Add(released + stillWaiting);
            }

            _compaction.MaybeStart(_file, Written);
            return count;
        }
    }

    // Group commit, under always. With one request in flight per connection, a connection released by an fsync cannot
    // join the next one if that starts at once, and the writer wakes on the first append of a wave, so fsyncs back to
    // back covered only a few connections each. Waiting, before taking a batch, until about as many connections wait as
    // took part in recent fsyncs covers nearly all of them in one fsync (docs/persistence.md has the measurements). The
    // wait ends as soon as they are there, and after a millisecond at most; if they do not come (the load fell), the
    // estimate drops to those who did, so that a burst is not followed by many such waits.
    private void MaybeGather()
    {
        var target = (int)(_participants.Average * 7 / 8);
        if (target < 2)
        {
            return;
        }

        var waiting = _waiters.Gather(target, timeoutMilliseconds: 1);
        if (waiting < target)
        {
            _participants = default;
            _participants.Add(waiting);
        }
    }

    private void Sleep()
    {
        var timeout = Timeout.Infinite;
        if (_options.Fsync == FsyncPolicy.EverySecond && Written > Durable)
        {
            timeout = (int)Math.Clamp(_lastSync + EverySecondMilliseconds - Environment.TickCount64, 0, EverySecondMilliseconds);
        }

        if (IsDiskFull)
        {
            // The retries go on without traffic: the store refuses writes meanwhile, so none would come to trigger them.
            var retry = (int)Math.Clamp(_nextRetry - Environment.TickCount64, 0, DiskFullRetryMilliseconds);
            timeout = timeout == Timeout.Infinite ? retry : Math.Min(timeout, retry);
        }

        _wake.Wait(timeout);
        _wake.Reset();
        _appender.MarkAwake();
        if (_options.Fsync == FsyncPolicy.EverySecond && SyncDue())
        {
            SyncInBackground();
        }
    }

    private bool SyncDue() => Written > Durable && Environment.TickCount64 - _lastSync >= EverySecondMilliseconds;

    // With the write lock held: what is written becomes durable before anyone is acknowledged at it.
    private void SyncHeld()
    {
        var written = Written;
        if (written == Durable)
        {
            return;
        }

        _file.Sync(IoFault);
        MarkDurable(written);
    }

    // The timed fsync of everysec, without the write lock: writes (by the loops) go on while it runs, and what it makes
    // durable is what was written when it began. A file switched away meanwhile was fsynced by the switch.
    private void SyncInBackground()
    {
        LogFile file;
        long written;
        lock (_writeLock)
        {
            file = _file;
            written = Written;
        }

        if (written == Durable)
        {
            return;
        }

        file.Sync(IoFault);
        lock (_writeLock)
        {
            if (ReferenceEquals(file, _file) && written > Durable)
            {
                MarkDurable(written);
                _waiters.Acknowledge(AcknowledgedPosition, out _);
            }
        }
    }

    private void MarkDurable(long position)
    {
        _lastSync = Environment.TickCount64;
        Interlocked.Increment(ref _syncs);
        Volatile.Write(ref _durable, position);
    }

    // A failed write or fsync leaves the file in an unknown state (after a failed fsync, Linux may have dropped the dirty
    // pages and will not report it again), so nothing after it may be acknowledged: fail every wait (and every later
    // one). A restart replays what is really on disk.
    private void Fail(Exception e)
    {
        _failure = e;
        StorageLog.LogFailed(_logger, _directory.LogPath, e);
        _appender.Close();
        _compaction.Fail(e);
        _waiters.FailAll();
        _failed.TrySetResult();
    }

    /// <summary>An exponentially weighted moving average: the last eight or so samples count most.</summary>
    private struct MovingAverage
    {
        private double _value;

        public readonly double Average => _value;

        public void Add(double sample) => _value = _value == 0 ? sample : (_value * 0.875) + (sample * 0.125);
    }
}
