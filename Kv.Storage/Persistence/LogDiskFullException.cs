namespace Kv.Storage.Persistence;

/// <summary>
/// A write of the log found the disk (or the user's quota) full: a condition that passes, unlike other I/O errors, so
/// the writer keeps what it could not write and retries. Only a write says so; an fsync or a directory fsync that fails
/// for any reason, this one included, fails the log (after a failed fsync, dirty pages may be gone).
/// </summary>
internal sealed class LogDiskFullException(IOException inner) : IOException(inner.Message, inner)
{
    /// <summary>ENOSPC or EDQUOT, as each system numbers them.</summary>
    public static bool IsOutOfSpace(IOException e)
    {
        if (OperatingSystem.IsWindows())
        {
            // HRESULT_FROM_WIN32 of ERROR_DISK_FULL (112) or ERROR_HANDLE_DISK_FULL (39).
            return (e.HResult & 0xFFFF) is 112 or 39;
        }

        // The runtime puts the errno in HResult on Unix: ENOSPC is 28 everywhere, EDQUOT 122 on Linux and 69 on macOS.
        return e.HResult == 28 || e.HResult == (OperatingSystem.IsLinux() ? 122 : 69);
    }
}
