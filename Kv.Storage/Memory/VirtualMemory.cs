using System.Runtime.InteropServices;

namespace Kv.Storage.Memory;

/// <summary>
/// Anonymous memory straight from the kernel, so that what the store frees goes back to the system at once instead of
/// staying in a heap: <c>mmap</c> for regions, <c>munmap</c> to give a region back, <c>madvise(MADV_DONTNEED)</c> to
/// give back the pages of a region that stays reserved. Elsewhere than Linux, aligned native allocations stand in
/// (memory is then returned only when a region is released).
/// </summary>
internal static unsafe partial class VirtualMemory
{
    /// <summary>The granularity of the kernel's pages, to which region sizes are rounded.</summary>
    public const int SystemPageSize = 4096;

    private const int ProtRead = 0x1;
    private const int ProtWrite = 0x2;
    private const int MapPrivate = 0x02;
    private const int MapAnonymous = 0x20;
    private const int MadviseDontNeed = 4;

    private static readonly bool UseKernel = OperatingSystem.IsLinux();

    /// <summary>Rounds <paramref name="bytes"/> up to whole system pages.</summary>
    public static nuint RoundUp(nuint bytes) => (bytes + SystemPageSize - 1) & ~(nuint)(SystemPageSize - 1);

    /// <summary>
    /// Maps <paramref name="bytes"/> (a multiple of <see cref="SystemPageSize"/>) of zeroed, readable and writable memory.
    /// Pages take physical memory only once touched.
    /// </summary>
    /// <returns>The region, or null when the system has no memory (or address space) to give.</returns>
    public static byte* Map(nuint bytes)
    {
        if (!UseKernel)
        {
            try
            {
                var block = NativeMemory.AlignedAlloc(bytes, SystemPageSize);
                NativeMemory.Clear(block, bytes);
                return (byte*)block;
            }
            catch (OutOfMemoryException)
            {
                return null;
            }
        }

        var region = mmap(null, bytes, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
        return region == (void*)-1 ? null : (byte*)region;
    }

    /// <summary>Gives a whole region back to the system.</summary>
    public static void Unmap(byte* region, nuint bytes)
    {
        if (!UseKernel)
        {
            NativeMemory.AlignedFree(region);
            return;
        }

        if (munmap(region, bytes) != 0)
        {
            // Only an invalid argument fails here: a bug, never a condition to carry on from.
            throw new InvalidOperationException($"munmap failed: {Marshal.GetLastPInvokeErrorMessage()}");
        }
    }

    /// <summary>
    /// Gives the physical pages of part of a region back to the system, keeping the addresses: the next touch finds zeros.
    /// </summary>
    public static void Discard(byte* start, nuint bytes)
    {
        if (UseKernel)
        {
            // Advice, not a promise: if the kernel declines, the pages stay resident and are reused as they are.
            _ = madvise(start, bytes, MadviseDontNeed);
        }
    }

    /// <summary>
    /// How many of the system pages of a region are resident in physical memory (<c>mincore</c>); -1 where that cannot be
    /// told. For tests and diagnostics.
    /// </summary>
    public static int ResidentPages(byte* start, nuint bytes)
    {
        if (!UseKernel)
        {
            return -1;
        }

        var pages = (int)(RoundUp(bytes) / SystemPageSize);
        var vector = new byte[pages];
        fixed (byte* v = vector)
        {
            if (mincore(start, bytes, v) != 0)
            {
                return -1;
            }
        }

        var resident = 0;
        foreach (var flags in vector)
        {
            resident += flags & 1;
        }

        return resident;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial void* mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int munmap(void* address, nuint length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int madvise(void* address, nuint length, int advice);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int mincore(void* address, nuint length, byte* vector);
}
