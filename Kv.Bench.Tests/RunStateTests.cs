using Kv.Bench.Load;

namespace Kv.Bench.Tests;

/// <summary>A warm-up counted in requests ends when the batch that reaches the count is sent.</summary>
public class RunStateTests
{
    [Test]
    public void The_batch_that_reaches_the_count_ends_the_warm_up()
    {
        var state = new RunState(null, 100, warmupRequests: 40);
        state.WarmupCounted.Should().BeTrue();
        state.CountWarmup(16);
        state.CountWarmup(16);
        state.WarmedUp.IsCompleted.Should().BeFalse();
        state.CountWarmup(16);
        state.WarmedUp.IsCompleted.Should().BeTrue();
        state.CountWarmup(16); // batches sent while the runner switches phase change nothing
        state.WarmedUp.IsCompletedSuccessfully.Should().BeTrue();
    }

    [Test]
    public void Without_a_count_the_warm_up_is_timed()
    {
        new RunState(null, 100).WarmupCounted.Should().BeFalse();
    }
}
