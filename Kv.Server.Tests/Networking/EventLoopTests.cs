using Kv.Server.Hosting;
using Kv.Server.Networking;
using Kv.Server.Networking.EventLoop;
using Kv.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kv.Server.Tests.Networking;

public class EventLoopTests
{
    [Test]
    [CancelAfter(60_000)]
    public async Task Work_posted_from_other_threads_always_wakes_the_loop()
    {
        // No idle timeout: the loop sleeps in epoll_wait with no timer at all, so a lost wake-up would hang for ever (a
        // flag cleared after the eventfd was drained lost one in about one post in a few thousand).
        if (!Kv.Epoll.Native.IsSupported)
        {
            Assert.Ignore("The event loop needs Linux.");
        }

        using var store = new MemoryStore(new MemoryStoreOptions { BackgroundMaintenance = false });
        var services = new ConnectionServices(new KvServerOptions { IdleTimeout = TimeSpan.Zero }, store, null, NullLogger.Instance);
        var loop = new EventLoop(0, 0, services);
        loop.Start();
        try
        {
            // Bursts from several threads, each burst waited for: a post that races the loop's own wake-up handling is
            // left waiting if its wake-up is lost.
            var posters = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                for (var burst = 0; burst < 5_000; burst++)
                {
                    var ran = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    for (var i = 0; i < 9; i++)
                    {
                        loop.Post(static _ => { }, null);
                    }

                    loop.Post(static state => ((TaskCompletionSource)state!).SetResult(), ran);
                    await ran.Task.WaitAsync(TimeSpan.FromSeconds(5));
                }
            })).ToArray();
            await Task.WhenAll(posters);
        }
        finally
        {
            loop.Post(static state => ((EventLoop)state!).BeginStop(), loop);
            await loop.Exited.WaitAsync(TimeSpan.FromSeconds(10));
            loop.Dispose();
        }
    }
}
