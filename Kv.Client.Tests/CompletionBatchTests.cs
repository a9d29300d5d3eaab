using System.Collections.Concurrent;
using System.Text;
using Kv.Client.Internal;
using Kv.Protocol;

namespace Kv.Client.Tests;

/// <summary>
/// The completion batch: the operations answered by one receive, signalled by one thread-pool work item that runs
/// each caller's continuation inline. What a continuation that blocks can and cannot hold up.
/// </summary>
public class CompletionBatchTests
{
    private static readonly AsyncLocal<string?> Ambient = new();

    [Test]
    [CancelAfter(20_000)]
    public async Task Every_operation_is_signalled_once_in_wire_order_and_the_batch_goes_back_once(CancellationToken testTimeout)
    {
        var owner = new Owner();
        var batch = new CompletionBatch(owner);
        var order = new ConcurrentQueue<int>();
        var threads = new ConcurrentDictionary<int, byte>();
        var callers = new Task<string?>[100];

        // Off NUnit's synchronization context, so that the continuations are registered to run inline.
        await Task.Run(() =>
        {
            for (var i = 0; i < callers.Length; i++)
            {
                callers[i] = RecordAsync(Answered(batch, (uint)i, $"value {i}"), i);
            }
        }, testTimeout);
        batch.Dispatch();

        var results = await Task.WhenAll(callers).WaitAsync(testTimeout);
        results.Should().Equal(Enumerable.Range(0, callers.Length).Select(i => $"value {i}"));
        order.Should().Equal(Enumerable.Range(0, callers.Length), "one runner signals them in wire order");
        threads.Should().HaveCount(1, "every continuation ran inline on the batch's one work item");
        await Waiting.UntilAsync(() => owner.Returned == 1, testTimeout);
        batch.IsRunning.Should().BeFalse();

        async Task<string?> RecordAsync(ValueTask<string?> call, int index)
        {
            var result = await call;
            order.Enqueue(index);
            threads.TryAdd(Environment.CurrentManagedThreadId, 0);
            return result;
        }
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task A_blocking_continuation_holds_up_the_rest_of_its_batch_only_until_a_helper_takes_over(CancellationToken testTimeout)
    {
        var owner = new Owner();
        var batch = new CompletionBatch(owner);
        using var blocked = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        Task thief = null!;
        var others = new Task<string?>[20];
        await Task.Run(() =>
        {
            thief = BlockAsync(Answered(batch, 0, "thief"));
            for (var i = 0; i < others.Length; i++)
            {
                others[i] = AwaitAsync(Answered(batch, (uint)(i + 1), $"other {i}"));
            }
        }, testTimeout);
        batch.Dispatch();
        blocked.Wait(testTimeout);

        // What it CAN delay: the operations after it in the same batch, whose responses are already claimed (so
        // neither their cancellation nor their timeout can fail them), until someone looks.
        await Task.Delay(100, testTimeout);
        others.Should().OnlyContain(task => !task.IsCompleted, "the batch's one runner is blocked in the first continuation");

        // What it cannot delay for long: the reader loop and the connection's watchdog look at running batches, and
        // one that made no progress since the last look gets a helper that signals the rest.
        var helped = false;
        while (!helped)
        {
            helped = batch.RescueIfStalled();
            await Task.Delay(5, testTimeout);
        }

        (await Task.WhenAll(others).WaitAsync(testTimeout)).Should().Equal(Enumerable.Range(0, others.Length).Select(i => $"other {i}"));
        thief.IsCompleted.Should().BeFalse();
        batch.IsRunning.Should().BeTrue("the blocked runner has not left");
        owner.Returned.Should().Be(0, "a batch goes back only when its last runner leaves");

        release.Set();
        await thief.WaitAsync(testTimeout);
        await Waiting.UntilAsync(() => owner.Returned == 1, testTimeout);
        batch.RescueIfStalled().Should().BeFalse("an idle batch takes no helper");
        owner.Returned.Should().Be(1);

        async Task BlockAsync(ValueTask<string?> call)
        {
            await call;
            blocked.Set();
            release.Wait(testTimeout);
        }
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task A_batch_that_makes_progress_takes_no_helper(CancellationToken testTimeout)
    {
        var batch = new CompletionBatch(new Owner());
        Task<string?> caller = null!;
        await Task.Run(() => { caller = AwaitAsync(Answered(batch, 7, "v")); }, testTimeout);

        batch.RescueIfStalled().Should().BeFalse("an idle batch takes no helper");
        batch.Dispatch();
        (await caller.WaitAsync(testTimeout)).Should().Be("v");
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task No_ambient_state_leaks_from_one_callers_continuation_to_the_next(CancellationToken testTimeout)
    {
        // Raw continuations (an async method would restore its own context anyway): the first leaves an AsyncLocal
        // value and a SynchronizationContext on the thread; the next must see neither, as between two work items.
        var batch = new CompletionBatch(new Owner());
        var observed = new TaskCompletionSource<(string? Ambient, SynchronizationContext? Context)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await Task.Run(() =>
        {
            // Off NUnit's synchronization context, which the awaiters would capture.
            var first = Answered(batch, 1, "first").GetAwaiter();
            var second = Answered(batch, 2, "second").GetAwaiter();
            first.UnsafeOnCompleted(() =>
            {
                first.GetResult();
                Ambient.Value = "leaked";
                SynchronizationContext.SetSynchronizationContext(new SynchronizationContext());
            });
            second.UnsafeOnCompleted(() =>
            {
                second.GetResult();
                observed.SetResult((Ambient.Value, SynchronizationContext.Current));
            });
        }, testTimeout);
        batch.Dispatch();

        var (ambient, context) = await observed.Task.WaitAsync(testTimeout);
        ambient.Should().BeNull("an AsyncLocal set by one caller must not be seen by the next");
        context.Should().BeNull("a SynchronizationContext installed by one caller must not be seen by the next");
    }

    private static async Task<string?> AwaitAsync(ValueTask<string?> call) => await call;

    // An operation as the reader leaves it in a batch: dequeued, claimed for its response, its result decoded.
    private static ValueTask<string?> Answered(CompletionBatch batch, uint requestId, string value)
    {
        var operation = OperationPool<string?, StringDecoder>.Shared.Rent();
        operation.Start(requestId, CommandKind.Ping, long.MaxValue);
        var payload = Encoding.UTF8.GetBytes(value);
        var frame = new byte[ResponseEncoder.GetEncodedLength(ProtocolVersion.V1, ResponseStatus.Ok, payload.Length)];
        ResponseEncoder.Encode(frame, ProtocolVersion.V1, ResponseStatus.Ok, requestId, payload);
        ResponseParser.Default.TryParse(frame, out var response, out _).Should().Be(ParseStatus.Complete);
        operation.TryClaimForResponse().Should().BeTrue();
        operation.StoreResponse(response);
        batch.Add(operation);
        return operation.AsValueTask();
    }

    private sealed class Owner : ICompletionBatchOwner
    {
        private int _returned;

        public int Returned => Volatile.Read(ref _returned);

        public void ReturnBatch(CompletionBatch batch) => Interlocked.Increment(ref _returned);
    }
}
