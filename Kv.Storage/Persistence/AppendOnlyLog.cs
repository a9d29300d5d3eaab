using Kv.Storage.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Kv.Storage.Persistence;

/// <summary>
/// The append-only log of every write a <see cref="MemoryStore"/> applies, with group commit and background compaction:
/// opened on a store, it replays itself into it and then observes every write the store applies (appending the record
/// under the key's stripe lock, only once the store has accepted the write). A network layer acknowledges writes through
/// <see cref="ICommitBarrier"/>, without knowing about the log. <c>docs/persistence.md</c> has the format and promises.
/// </summary>
/// <remarks>
/// In parts: <see cref="DataDirectory"/> (the directory and its entries' durability), <see cref="LogAppender"/> (the
/// records appended in memory), <see cref="LogWriter"/> (the writer thread: write, fsync, group commit, the file
/// switch), <see cref="CommitWaiters"/> (the waiting callers), and <see cref="LogCompaction"/> with
/// <see cref="LogCompactor"/> (when to compact, and the copy).
/// </remarks>
public sealed class AppendOnlyLog : IStoreWriteObserver, ICommitBarrier, IDisposable
{
    /// <summary>The log's file name in the data directory.</summary>
    public const string FileName = DataDirectory.LogFileName;

    /// <summary>A log being made (a new one, or a compacted one); left over only by a crash, and removed at start.</summary>
    public const string TempFileName = DataDirectory.TempFileName;

    /// <summary>Held locked while a store uses the directory.</summary>
    public const string LockFileName = DataDirectory.LockFileName;

    private readonly PersistenceOptions _options;
    private readonly ILogger _logger;
    private readonly DataDirectory _directory;
    private readonly LogAppender _appender;
    private readonly CommitWaiters _waiters;
    private readonly LogCompaction _compaction;
    private readonly LogWriter _writer;
    private int _disposed;

    private AppendOnlyLog(PersistenceOptions options, MemoryStore store, ILogger logger, DataDirectory directory, LogFile file, ReplayResult replay)
    {
        _options = options;
        _logger = logger;
        _directory = directory;
        Replay = replay;
        _appender = new LogAppender(replay.ValidLength);
        _waiters = new CommitWaiters(replay.ValidLength);
        _compaction = new LogCompaction(options, store, directory, logger);
        _writer = new LogWriter(options, _appender, _waiters, _compaction, directory, file, store, logger);
        _compaction.Attach(_writer);
    }

    /// <summary>When responses wait, and for what.</summary>
    public FsyncPolicy Policy => _options.Fsync;

    /// <summary>The log file's full path.</summary>
    public string FilePath => _directory.LogPath;

    /// <summary>What opening the log replayed.</summary>
    public ReplayResult Replay { get; }

    /// <summary>True once a write or fsync of the log has failed: nothing more is acknowledged.</summary>
    public bool IsFailed => _writer.IsFailed;

    /// <summary>
    /// True while the disk is full: the log keeps what it could not write and retries, and the store refuses writes
    /// (<see cref="MemoryStore.WritesRefusedReason"/>) until the disk has room again.
    /// </summary>
    public bool IsDiskFull => _writer.IsDiskFull;

    /// <summary>Completes when the log fails (never otherwise).</summary>
    public Task Failed => _writer.Failed;

    /// <summary>The position after the last record appended to the buffer.</summary>
    public long AppendedPosition => _appender.Appended;

    /// <summary>The position up to which records are written to the file (in the OS's hands).</summary>
    public long WrittenPosition => _writer.Written;

    /// <summary>The position up to which records are fsynced.</summary>
    public long DurablePosition => _writer.Durable;

    /// <summary>The log file's current length.</summary>
    public long FileLength => _writer.FileLength;

    /// <summary>How many fsyncs of the log (not of compacted copies) were made.</summary>
    public long SyncCount => _writer.Syncs;

    /// <summary>How many batch writes were made.</summary>
    public long WriteCount => _writer.Writes;

    /// <summary>How many compactions replaced the log.</summary>
    public long CompactionCount => _compaction.Count;

    /// <summary>Test hook: runs at each compaction step; throwing interrupts the compaction there.</summary>
    internal Action<CompactionStep>? CompactionFault
    {
        get => _compaction.Fault;
        set => _compaction.Fault = value;
    }

    /// <summary>Test knob: the pause between writes under everysec and no.</summary>
    internal int WriteInterval
    {
        get => _writer.WriteInterval;
        set => _writer.WriteInterval = value;
    }

    /// <summary>Test knob: how much the compactor leaves for the writer to copy at the switch.</summary>
    internal long CompactionCatchUpSlack
    {
        get => _compaction.CatchUpSlack;
        set => _compaction.CatchUpSlack = value;
    }

    /// <summary>Test hook: runs before each write ("write") and fsync ("sync") of the log; throwing fails it.</summary>
    internal Action<string>? IoFault
    {
        get => _writer.IoFault;
        set => _writer.IoFault = value;
    }

    /// <summary>
    /// Opens the log in the data directory (creating both if missing), replays it into <paramref name="store"/>,
    /// truncates a torn tail, starts the writer and attaches the log to the store as its write observer. The directory
    /// stays locked until <see cref="Dispose"/>.
    /// </summary>
    /// <exception cref="LogCorruptionException">The log is damaged in a way that a restart must not paper over.</exception>
    /// <exception cref="IOException">The directory is in use by another server, or cannot be used.</exception>
    public static AppendOnlyLog Open(PersistenceOptions options, MemoryStore store, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        var directory = DataDirectory.Open(options.DataDirectory, logger);
        Microsoft.Win32.SafeHandles.SafeFileHandle? handle = null;
        try
        {
            handle = File.OpenHandle(directory.LogPath, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
            FilePermissions.OwnerOnly(handle, directory.LogPath, created: false, logger);
            var replay = LogReplayer.Replay(handle, directory.LogPath, store);
            if (replay.TornBytes > 0)
            {
                RandomAccess.SetLength(handle, replay.ValidLength);
                StorageLog.TornTailTruncated(logger, directory.LogPath, replay.ValidLength, replay.TornBytes);
            }

            UpgradeFormat(handle, directory.LogPath, logger);

            // What was replayed may still be only in the page cache (the last process crashed, not the machine): fsync it,
            // so that what the store holds now is on disk before anything is acknowledged.
            FileSync.SyncData(handle);
            StorageLog.Replayed(logger, replay.Records, directory.LogPath, replay.ValidLength, store.Count, (long)replay.Elapsed.TotalMilliseconds, PersistenceOptions.FormatFsync(options.Fsync));
            var log = new AppendOnlyLog(options, store, logger, directory, new LogFile(handle, replay.ValidLength, 0), replay);
            log._writer.Start();
            store.Observe(log);
            return log;
        }
        catch
        {
            handle?.Dispose();
            directory.Dispose();
            throw;
        }
    }

    // A log of an older format (read as it is) gets the current header before anything new is appended, so that a
    // server that cannot read what follows says so from the header instead of meeting a record it does not know. The
    // header is 16 bytes at offset 0, one sector: it is written whole or not at all.
    private static void UpgradeFormat(Microsoft.Win32.SafeHandles.SafeFileHandle handle, string path, ILogger logger)
    {
        Span<byte> header = stackalloc byte[LogFormat.FileHeaderSize];
        if (RandomAccess.Read(handle, header, 0) != header.Length)
        {
            return;
        }

        var version = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(header.Slice(8));
        if (version >= LogFormat.Version)
        {
            return;
        }

        LogFormat.WriteFileHeader(header);
        RandomAccess.Write(handle, header, 0);
        StorageLog.LogFormatUpgraded(logger, path, version, LogFormat.Version);
    }

    /// <inheritdoc />
    void IStoreWriteObserver.OnSet(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, long expiresAt)
    {
        if (_appender.AppendSet(key, value, expiresAt))
        {
            _writer.Wake();
        }
    }

    /// <inheritdoc />
    void IStoreWriteObserver.OnExpiryChanged(ReadOnlySpan<byte> key, long expiresAt)
    {
        if (_appender.AppendExpire(key, expiresAt))
        {
            _writer.Wake();
        }
    }

    /// <inheritdoc />
    void IStoreWriteObserver.OnRemoved(ReadOnlySpan<byte> key)
    {
        if (_appender.AppendClear(key))
        {
            _writer.Wake();
        }
    }

    /// <summary>
    /// Under <c>always</c>: completes once every write appended so far is fsynced (by the writer thread, one fsync for
    /// every caller waiting), which covers the caller's writes and every write its reads saw. Under <c>everysec</c> and
    /// <c>no</c>: writes what is appended on the caller's thread first (no fsync; one write system call, or none when the
    /// writer got there first), so that an acknowledged write is in the operating system's hands, as on the event loops,
    /// and a crash of the process cannot take it back. While the disk is full, what is not written is
    /// <see cref="CommitOutcome.NotDurable"/>.
    /// </summary>
    public ValueTask<CommitOutcome> WaitForCommitAsync(CommitWaiter waiter)
    {
        ArgumentNullException.ThrowIfNull(waiter);
        if (_writer.IsFailed)
        {
            // Appends are dropped once the log has failed, without moving the position: nothing is acknowledged.
            return ValueTask.FromResult(CommitOutcome.Failed);
        }

        var needed = _appender.Appended;
        if (_options.Fsync != FsyncPolicy.Always)
        {
            return ValueTask.FromResult(_writer.Written >= needed ? CommitOutcome.Acknowledged : _writer.Commit());
        }

        return _waiters.Wait(waiter, needed);
    }

    /// <inheritdoc />
    public CommitOutcome Commit() => _writer.Commit();

    /// <inheritdoc />
    public void UseCallerCommits() => _writer.CallerCommits = true;

    /// <summary>Compacts the log now (or after the compaction under way), for tests and operators.</summary>
    /// <returns>Completes when a compaction that started after this call has replaced the log; faults if it failed.</returns>
    public Task CompactAsync() => _compaction.RequestAsync();

    /// <summary>
    /// Waits until every append made so far is written to the file (in the operating system's hands, as a process crash
    /// leaves it), whatever the policy; for tests.
    /// </summary>
    public async Task WaitWrittenAsync()
    {
        var needed = AppendedPosition;
        while (WrittenPosition < needed)
        {
            if (IsFailed)
            {
                throw new IOException("The log failed.");
            }

            _writer.Wake();
            await Task.Delay(1).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Closes the log: stops a compaction under way, writes and fsyncs what is buffered, closes the file and unlocks the
    /// directory. Call after the callers have finished, and not from a caller's continuation after a commit wait (it runs
    /// on the log's resumer thread).
    /// </summary>
    public void Dispose()
    {
        if (_writer.IsWriterThread || _waiters.IsResumerThread)
        {
            // Both must finish what they do first: closing waits for them.
            throw new InvalidOperationException("The log cannot be closed from its own writer or resumer thread; close it from another thread.");
        }

        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // The writer still runs meanwhile: a compaction waiting for its switch gets it.
        _compaction.Close();
        _writer.Stop();
        StorageLog.LogClosed(_logger, AppendedPosition - Replay.ValidLength, WriteCount, SyncCount, CompactionCount);
        _writer.Dispose();
        _appender.Dispose();
        _waiters.Dispose();
        _compaction.Dispose();
        _directory.Dispose();
    }
}
