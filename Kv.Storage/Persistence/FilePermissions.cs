using Kv.Storage.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Kv.Storage.Persistence;

/// <summary>
/// The data is its owner's alone, whatever the umask: a data directory the server creates is 0700, and its files are
/// 0600, as PostgreSQL's are. A file found with wider permissions (made by an earlier version, or by hand) is
/// tightened, and the log says so; an existing directory open to others is only logged. Nothing to do on Windows,
/// where the ACLs are inherited from the parent.
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

    /// <summary>
    /// Creates the directory as 0700 (its missing parents with the usual mode). An existing directory is left as it is,
    /// since it may be shared or set up on purpose (sticky, setgid, group access), but one that others may enter is
    /// logged as a warning: the files in it are 0600 all the same.
    /// </summary>
    public static void CreateDirectory(string path, ILogger logger)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }

        if (!Directory.Exists(path))
        {
            if (System.IO.Path.GetDirectoryName(path) is { } parent)
            {
                Directory.CreateDirectory(parent);
            }

            Directory.CreateDirectory(path, DirectoryMode);
            return;
        }

        var mode = File.GetUnixFileMode(path);
        if ((mode & GroupOrOther) != 0)
        {
            StorageLog.DirectoryOpenToOthers(logger, path, Convert.ToString((int)mode & 0x1FF, 8).PadLeft(4, '0'));
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
