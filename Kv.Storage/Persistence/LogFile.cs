using Microsoft.Win32.SafeHandles;

namespace Kv.Storage.Persistence;

/// <summary>
/// The file the log is appended to, and where log positions fall in it: a file offset is a position less
/// <see cref="Origin"/>, which changes when a compacted file replaces the log. Owned by the writer thread.
/// </summary>
internal sealed class LogFile(SafeFileHandle handle, long length, long origin) : IDisposable
{
    private long _length = length;

    public SafeFileHandle Handle { get; } = handle;

    /// <summary>The file's length; readable from any thread.</summary>
    public long Length => Volatile.Read(ref _length);

    /// <summary>The position of the file's first byte (its header's start).</summary>
    public long Origin { get; } = origin;

    /// <summary>Appends <paramref name="data"/> at the end of the file.</summary>
    /// <exception cref="LogDiskFullException">The disk (or a quota) is full: nothing was appended, and a retry may be.</exception>
    public void Append(ReadOnlySpan<byte> data, Action<string>? fault)
    {
        fault?.Invoke("write");
        try
        {
            RandomAccess.Write(Handle, data, _length);
        }
        catch (IOException e) when (LogDiskFullException.IsOutOfSpace(e))
        {
            // Part of it may be in the file: the length does not count it, and a retry writes it again at the same offset.
            throw new LogDiskFullException(e);
        }

        Volatile.Write(ref _length, _length + data.Length);
    }

    /// <summary>Flushes the file's data to disk.</summary>
    public void Sync(Action<string>? fault)
    {
        fault?.Invoke("sync");
        FileSync.SyncData(Handle);
    }

    public void Dispose() => Handle.Dispose();
}
