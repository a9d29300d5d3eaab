using Kv.Storage.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Kv.Storage.Persistence;

/// <summary>
/// The data is its owner's alone, whatever the umask: the data directory is 0700 and its files 0600, as Redis's and
/// PostgreSQL's are. A directory or file found with wider permissions (made by an earlier version, or by hand) is
/// tightened, and the log says so. Nothing to do on Windows, where the ACLs are inherited from the parent.
/// </summary>
internal static class FilePermissions
{
    /// <summary>rwx------.</summary>
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>rw-------.</summary>
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Creates the directory (and missing parents) as 0700, or tightens an existing one.</summary>
    public static void CreateDirectory(string path, ILogger logger)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }

        if (!Directory.Exists(path))
        {
            Directory.CreateDirectory(path, DirectoryMode);
        }

        if ((File.GetUnixFileMode(path) & GroupOrOther) != 0)
        {
            File.SetUnixFileMode(path, DirectoryMode);
            StorageLog.PermissionsTightened(logger, path, "0700");
        }
    }

    /// <summary>
    /// Makes an open file 0600. A file this process just created is set quietly (the umask may have made it 0666 for
    /// the moment it existed, inside a directory only the owner can enter); an older one is logged.
    /// </summary>
    public static void OwnerOnly(SafeFileHandle handle, string path, bool created, ILogger? logger)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        if ((File.GetUnixFileMode(handle) & GroupOrOther) != 0)
        {
            File.SetUnixFileMode(handle, FileMode);
            if (!created && logger is not null)
            {
                StorageLog.PermissionsTightened(logger, path, "0600");
            }
        }
    }
}
