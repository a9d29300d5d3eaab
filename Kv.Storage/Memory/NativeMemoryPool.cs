using System.Runtime.InteropServices;

namespace Kv.Storage.Memory;

/// <summary>
/// Where a store's memory comes from: 64 KiB record pages carved from 2 MiB mapped chunks and recycled through a free
/// list, and regions of any size (indexes, records larger than a page). Everything is native memory, so the garbage
/// collector neither scans nor moves it, and nothing here ever asks it to collect. Freed pages are handed back to the
/// system at once (<see cref="VirtualMemory.Discard"/>) and stay on the free list, so a store that shrinks shrinks the
/// process, and one that grows again reuses their addresses.
/// </summary>
/// <remarks>
/// Every allocation counts against <see cref="Limit"/> (when set) and in <see cref="AllocatedBytes"/>; one that would
/// pass the limit, or that the system refuses, returns null and changes nothing, so the caller can refuse the write
/// that needed it. Thread-safe; the lock is taken only to allocate or free a page or region, never on a lookup. The pool
/// owns every byte it handed out: <see cref="Dispose"/> (or the finalizer, for a store that was never disposed) returns
/// them all, so no one may use a pointer from it after that.
/// </remarks>
internal sealed unsafe class NativeMemoryPool : IDisposable
{
    /// <summary>The size of a record page.</summary>
    public const int PageSize = 64 * 1024;

    /// <summary>Pages mapped at once: one mapping, and one kernel memory area, per 2 MiB.</summary>
    internal const int PagesPerChunk = 32;

    // Regions smaller than a system page come from the C heap (a mapping would round them up to one); the others are
    // mapped, so that freeing them returns their memory to the system whatever the heap's state: a C heap keeps what is
    // freed below its top, as the index tables a store outgrows are.
    private const int MapThreshold = VirtualMemory.SystemPageSize;

    private readonly Lock _lock = new();
    private readonly List<nint> _chunks = [];
    private readonly Dictionary<nint, nuint> _regions = [];
    private nint[] _freePages = new nint[PagesPerChunk];
    private int _freePageCount;
    private long _allocated;
    private bool _disposed;

    /// <summary>Creates an empty pool.</summary>
    /// <param name="limit">The most bytes that may be allocated at once; 0 for no limit.</param>
    public NativeMemoryPool(long limit = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        Limit = limit;
    }

    ~NativeMemoryPool() => Release();

    /// <summary>The most bytes that may be allocated at once; 0 for no limit.</summary>
    public long Limit { get; }

    /// <summary>Bytes handed out and not yet returned: pages in use, and regions.</summary>
    public long AllocatedBytes => Volatile.Read(ref _allocated);

    /// <summary>Bytes mapped for pages, in use or free (free ones take address space, not memory).</summary>
    public long ReservedPageBytes
    {
        get
        {
            lock (_lock)
            {
                return (long)_chunks.Count * PagesPerChunk * PageSize;
            }
        }
    }

    /// <summary>Pages on the free list, ready for reuse.</summary>
    public int FreePageCount
    {
        get
        {
            lock (_lock)
            {
                return _freePageCount;
            }
        }
    }

    /// <summary>Takes a page of <see cref="PageSize"/> bytes; its content is unspecified.</summary>
    /// <returns>The page, or null when the limit or the system forbids it.</returns>
    /// <param name="pastLimit">Take it even past <see cref="Limit"/> (what the caller needs must not be refused for it).</param>
    public byte* RentPage(bool pastLimit = false)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!Reserve(PageSize, pastLimit))
            {
                return null;
            }

            if (_freePageCount == 0 && !MapChunk())
            {
                _allocated -= PageSize;
                return null;
            }

            return (byte*)_freePages[--_freePageCount];
        }
    }

    /// <summary>Returns a page; its memory goes back to the system now, its address to the free list.</summary>
    public void ReturnPage(byte* page)
    {
        // Outside the lock: a system call, and only this caller knows the page now.
        VirtualMemory.Discard(page, PageSize);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_freePageCount == _freePages.Length)
            {
                Array.Resize(ref _freePages, _freePages.Length * 2);
            }

            _freePages[_freePageCount++] = (nint)page;
            _allocated -= PageSize;
        }
    }

    /// <summary>Allocates a zeroed region of <paramref name="bytes"/> bytes.</summary>
    /// <returns>The region, or null when the limit or the system forbids it.</returns>
    /// <param name="bytes">The size.</param>
    /// <param name="pastLimit">Take it even past <see cref="Limit"/>.</param>
    public byte* Allocate(nuint bytes, bool pastLimit = false)
    {
        var size = bytes >= MapThreshold ? VirtualMemory.RoundUp(bytes) : bytes;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!Reserve((long)size, pastLimit))
            {
                return null;
            }

            var region = AllocateRegion(size);
            if (region is null)
            {
                _allocated -= (long)size;
                return null;
            }

            _regions.Add((nint)region, size);
            return region;
        }
    }

    /// <summary>Frees a region from <see cref="Allocate"/>.</summary>
    public void Free(byte* region)
    {
        nuint size;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_regions.Remove((nint)region, out size))
            {
                throw new InvalidOperationException("The region was not allocated by this pool, or was freed already.");
            }

            _allocated -= (long)size;
        }

        FreeRegion(region, size);
    }

    /// <summary>Returns every page and region to the system. Nothing from the pool may be used afterwards.</summary>
    public void Dispose()
    {
        Release();
        GC.SuppressFinalize(this);
    }

    private bool Reserve(long bytes, bool pastLimit)
    {
        if (Limit > 0 && !pastLimit && _allocated + bytes > Limit)
        {
            return false;
        }

        _allocated += bytes;
        return true;
    }

    private bool MapChunk()
    {
        const int chunkBytes = PagesPerChunk * PageSize;
        var chunk = VirtualMemory.Map(chunkBytes);
        if (chunk is null)
        {
            return false;
        }

        _chunks.Add((nint)chunk);
        if (_freePages.Length < _freePageCount + PagesPerChunk)
        {
            Array.Resize(ref _freePages, Math.Max(_freePages.Length * 2, _freePageCount + PagesPerChunk));
        }

        // Last page first on the stack's bottom, so the chunk is used from its start.
        for (var i = PagesPerChunk - 1; i >= 0; i--)
        {
            _freePages[_freePageCount++] = (nint)(chunk + ((long)i * PageSize));
        }

        return true;
    }

    private static byte* AllocateRegion(nuint size)
    {
        if (size >= MapThreshold)
        {
            return VirtualMemory.Map(size);
        }

        try
        {
            return (byte*)NativeMemory.AllocZeroed(size == 0 ? 1 : size);
        }
        catch (OutOfMemoryException)
        {
            return null;
        }
    }

    private static void FreeRegion(byte* region, nuint size)
    {
        if (size >= MapThreshold)
        {
            VirtualMemory.Unmap(region, size);
        }
        else
        {
            NativeMemory.Free(region);
        }
    }

    private void Release()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var chunk in _chunks)
            {
                VirtualMemory.Unmap((byte*)chunk, PagesPerChunk * PageSize);
            }

            foreach (var (region, size) in _regions)
            {
                FreeRegion((byte*)region, size);
            }

            _chunks.Clear();
            _regions.Clear();
            _freePageCount = 0;
            _allocated = 0;
        }
    }
}
