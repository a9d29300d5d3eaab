using Kv.Storage.Memory;

namespace Kv.Storage.Tests.Memory;

public unsafe class NativeMemoryPoolTests
{
    [Test]
    public void A_returned_page_gives_its_memory_back_and_is_reused()
    {
        using var pool = new NativeMemoryPool();
        var page = pool.RentPage();
        new Span<byte>(page, NativeMemoryPool.PageSize).Fill(0xAB);
        if (OperatingSystem.IsLinux())
        {
            VirtualMemory.ResidentPages(page, NativeMemoryPool.PageSize).Should().Be(NativeMemoryPool.PageSize / VirtualMemory.SystemPageSize);
        }

        pool.AllocatedBytes.Should().Be(NativeMemoryPool.PageSize);
        pool.ReturnPage(page);
        pool.AllocatedBytes.Should().Be(0);
        if (OperatingSystem.IsLinux())
        {
            VirtualMemory.ResidentPages(page, NativeMemoryPool.PageSize).Should().Be(0, "a returned page's memory goes back to the system");
        }

        var again = pool.RentPage();
        ((nint)again).Should().Be((nint)page, "the free list hands the same address out again");
        if (OperatingSystem.IsLinux())
        {
            new ReadOnlySpan<byte>(again, NativeMemoryPool.PageSize).IndexOfAnyExcept((byte)0).Should().Be(-1, "the system gives back zeroed pages");
        }
    }

    [Test]
    public void Pages_are_mapped_a_chunk_at_a_time()
    {
        using var pool = new NativeMemoryPool();
        var pages = Enumerable.Range(0, NativeMemoryPool.PagesPerChunk + 1).Select(_ => (nint)pool.RentPage()).ToList();
        pages.Should().OnlyHaveUniqueItems();
        pool.ReservedPageBytes.Should().Be(2L * NativeMemoryPool.PagesPerChunk * NativeMemoryPool.PageSize);
        pool.AllocatedBytes.Should().Be((NativeMemoryPool.PagesPerChunk + 1L) * NativeMemoryPool.PageSize);
        foreach (var page in pages)
        {
            pool.ReturnPage((byte*)page);
        }

        pool.AllocatedBytes.Should().Be(0);
        pool.FreePageCount.Should().Be(2 * NativeMemoryPool.PagesPerChunk);
    }

    [Test]
    public void Regions_are_zeroed_counted_and_freed([Values(24, 100_000, 3_000_000)] int size)
    {
        using var pool = new NativeMemoryPool();
        var region = pool.Allocate((nuint)size);
        ((nint)region).Should().NotBe(0);
        new ReadOnlySpan<byte>(region, size).IndexOfAnyExcept((byte)0).Should().Be(-1);
        new Span<byte>(region, size).Fill(1);
        pool.AllocatedBytes.Should().BeGreaterThanOrEqualTo(size);
        pool.Free(region);
        pool.AllocatedBytes.Should().Be(0);
        var freeAgain = () => pool.Free(region);
        freeAgain.Should().Throw<InvalidOperationException>();
    }

    [Test]
    public void The_limit_refuses_what_would_pass_it_and_allows_it_again_after_a_free()
    {
        using var pool = new NativeMemoryPool(limit: 3 * NativeMemoryPool.PageSize);
        var first = pool.RentPage();
        var region = pool.Allocate(2 * NativeMemoryPool.PageSize);
        ((nint)region).Should().NotBe(0);
        ((nint)pool.RentPage()).Should().Be(0, "a fourth page would pass the limit");
        ((nint)pool.Allocate(100)).Should().Be(0);
        pool.AllocatedBytes.Should().Be(3L * NativeMemoryPool.PageSize, "a refusal changes nothing");
        pool.Free(region);
        ((nint)pool.RentPage()).Should().NotBe(0);
        pool.ReturnPage(first);
    }

    [Test]
    public void Disposing_returns_everything_and_forbids_further_use()
    {
        var pool = new NativeMemoryPool();
        pool.RentPage();
        pool.Allocate(1 << 20);
        pool.Dispose();
        pool.AllocatedBytes.Should().Be(0);
        var rent = () => { pool.RentPage(); };
        rent.Should().Throw<ObjectDisposedException>();
    }
}
