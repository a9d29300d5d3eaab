using System.Diagnostics;

namespace Kv.Testing.Exhaustion;

/// <summary>
/// A small file system of its own (tmpfs, mounted in a temporary directory and removed on dispose), to run out of disk
/// space for real: writes to it fail with ENOSPC once it is full. Mounting needs root (or CAP_SYS_ADMIN), as on the
/// machines that run the suites; <see cref="TryMount"/> says why when it cannot.
/// </summary>
public sealed class SmallFileSystem : IDisposable
{
    private const string FillerName = "filler";

    private SmallFileSystem(string path) => Path = path;

    /// <summary>Where the file system is mounted.</summary>
    public string Path { get; }

    /// <summary>Bytes free now.</summary>
    public long Available => new DriveInfo(Path).AvailableFreeSpace;

    /// <summary>Mounts a file system of <paramref name="bytes"/> bytes; false (with the reason) when this machine forbids it.</summary>
    public static bool TryMount(long bytes, out SmallFileSystem? fileSystem, out string reason)
    {
        var path = Directory.CreateTempSubdirectory("kv-small-fs-").FullName;
        var (code, output) = Run("mount", "-t", "tmpfs", "-o", $"size={bytes},mode=0755", "tmpfs", path);
        if (code != 0)
        {
            Directory.Delete(path);
            fileSystem = null;
            reason = $"cannot mount a small file system here (mount exited {code}: {output.Trim()}); these tests need root";
            return false;
        }

        fileSystem = new SmallFileSystem(path);
        reason = "";
        return true;
    }

    /// <summary>Takes all the free space but about <paramref name="leaveFree"/> bytes, with a file of its own.</summary>
    public void Fill(long leaveFree)
    {
        var take = Math.Max(0, Available - leaveFree);
        using var filler = new FileStream(System.IO.Path.Combine(Path, FillerName), FileMode.Append, FileAccess.Write);
        var chunk = new byte[64 * 1024];
        while (take > 0)
        {
            var size = (int)Math.Min(chunk.Length, take);
            try
            {
                filler.Write(chunk, 0, size);
                filler.Flush();
            }
            catch (IOException)
            {
                return;
            }

            take -= size;
        }
    }

    /// <summary>Frees what <see cref="Fill"/> took.</summary>
    public void Free() => File.Delete(System.IO.Path.Combine(Path, FillerName));

    public void Dispose()
    {
        // Lazily, so that a file a test left open cannot keep it mounted.
        Run("umount", "-l", Path);
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Left in the temporary directory.
        }
    }

    private static (int Code, string Output) Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }
}
