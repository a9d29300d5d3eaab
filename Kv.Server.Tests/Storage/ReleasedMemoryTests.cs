using Kv.Server.Storage;

namespace Kv.Server.Tests.Storage;

[NonParallelizable]
public class ReleasedMemoryTests
{
    [Test]
    public async Task A_release_within_a_second_of_the_last_collection_is_collected_once_the_second_is_over()
    {
        // Clear of any collection, due or deferred, that an earlier test's store asked for.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!ReleasedMemory.IsSettled)
        {
            DateTime.UtcNow.Should().BeBefore(deadline);
            await Task.Delay(20);
        }

        var before = ReleasedMemory.Collections;
        ReleasedMemory.Report(ReleasedMemory.CollectionThreshold);
        ReleasedMemory.Collections.Should().Be(before + 1, "the first release is collected at once");

        ReleasedMemory.Report(ReleasedMemory.CollectionThreshold);
        ReleasedMemory.Collections.Should().Be(before + 1, "the second is too soon after it");
        deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (ReleasedMemory.Collections == before + 1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        ReleasedMemory.Collections.Should().Be(before + 2, "the second release is collected once the interval is over, not dropped");
    }
}
