using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Kv.Storage.Persistence;

/// <summary>Flushing files and directories to disk.</summary>
internal static class FileSync
{
    // O_RDONLY | O_DIRECTORY on Linux x64 and arm64 alike is not portable, and O_RDONLY alone opens a directory.
    private const int ReadOnly = 0;

    /// <summary>
    /// Flushes a file's data (and the metadata needed to read it back, such as its length) to disk. On Linux this is
    /// <c>fdatasync</c>, as Redis uses: it skips the modification time, which recovery does not need.
    /// </summary>
    /// <exception cref="IOException">The flush failed; the data may not be on disk.</exception>
    public static void SyncData(SafeFileHandle file)
    {
        if (OperatingSystem.IsLinux())
        {
            if (Native.fdatasync(file) != 0)
            {
                throw new IOException($"fdatasync failed: {Marshal.GetLastPInvokeErrorMessage()}", Marshal.GetLastPInvokeError());
            }

            return;
        }

        RandomAccess.FlushToDisk(file);
    }

    /// <summary>
    /// Flushes a directory's entries to disk, so that a file created or renamed in it survives a crash of the
    /// machine. A no-op where directories cannot be opened (Windows, where a rename is journaled).
    /// </summary>
    /// <exception cref="IOException">The flush failed.</exception>
    public static void SyncDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var fd = Native.open(path, ReadOnly);
        if (fd < 0)
        {
            throw new IOException($"cannot open directory {path} to flush it: {Marshal.GetLastPInvokeErrorMessage()}", Marshal.GetLastPInvokeError());
        }

        try
        {
            if (Native.fsync(fd) != 0)
            {
                throw new IOException($"fsync of directory {path} failed: {Marshal.GetLastPInvokeErrorMessage()}", Marshal.GetLastPInvokeError());
            }
        }
        finally
        {
            _ = Native.close(fd);
        }
    }

    private static class Native
    {
        [DllImport("libc", SetLastError = true)]
        public static extern int fdatasync(SafeFileHandle fd);

        [DllImport("libc", SetLastError = true)]
        public static extern int fsync(int fd);

        [DllImport("libc", SetLastError = true)]
        public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", SetLastError = true)]
        public static extern int close(int fd);
    }
}
