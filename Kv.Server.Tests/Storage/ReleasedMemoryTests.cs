using Kv.Server.Storage;

namespace Kv.Server.Tests.Storage;

[NonParallelizable]
public class ReleasedMemoryTests
{
    [Test]
    public async Task A_release_within_a_second_of_the_last_collection_is_collected_once_the_second_is_over()
    {
        await Task.Delay(1100); // clear of any collection an earlier test asked for
        var before = GC.CollectionCount(2);
        ReleasedMemory.Report(ReleasedMemory.CollectionThreshold); // collected at once
        GC.CollectionCount(2).Should().BeGreaterThan(before);
        var afterFirst = GC.CollectionCount(2);

        ReleasedMemory.Report(ReleasedMemory.CollectionThreshold); // too soon: deferred, not dropped
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (GC.CollectionCount(2) == afterFirst && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        GC.CollectionCount(2).Should().BeGreaterThan(afterFirst, "the second release is collected when the interval is over");
    }
}
