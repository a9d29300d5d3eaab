using System.Runtime.InteropServices;
using Kv.Epoll;

namespace Kv.Bench.Load;

/// <summary>
/// One thread driving a share of the connections on an epoll set, as redis-benchmark's event loop does: a worker whose
/// batch is answered starts its next one at once; one that cannot send all of a batch waits for the socket to be
/// writable. No thread pool, no asynchronous machinery per request, so that the generator measures the server, not itself.
/// </summary>
internal sealed unsafe class LoadLoop
{
    private const int MaxEvents = 256;

    private readonly IReadOnlyList<ConnectionWorker> _workers;
    private readonly Thread _thread;
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _epoll;

    public LoadLoop(int index, IReadOnlyList<ConnectionWorker> workers)
    {
        _workers = workers;
        _epoll = Native.CreateEpoll();
        if (_epoll < 0)
        {
            throw new IOException($"epoll_create1 failed (errno {Native.LastError}).");
        }

        _thread = new Thread(Run) { IsBackground = true, Name = $"kv-bench-loop-{index}" };
    }

    /// <summary>Completes when every worker of the loop is done; faults when a connection failed.</summary>
    public Task Done => _done.Task;

    public void Start() => _thread.Start();

    private void Run()
    {
        var events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * Native.EpollEventSize));
        try
        {
            var active = 0;
            for (var i = 0; i < _workers.Count; i++)
            {
                var worker = _workers[i];
                if (Native.Add(_epoll, worker.Fd, Native.EpollIn, (ulong)i) != 0)
                {
                    throw new IOException($"epoll_ctl failed (errno {Native.LastError}).");
                }

                if (worker.StartBatch())
                {
                    active++;
                    Send(worker, i);
                }
            }

            while (active > 0)
            {
                var count = Native.Wait(_epoll, events, MaxEvents, 1000);
                for (var e = 0; e < count; e++)
                {
                    var index = (int)Native.EventData(events, e);
                    var worker = _workers[index];
                    if ((Native.EventMask(events, e) & Native.EpollOut) != 0)
                    {
                        Send(worker, index);
                        continue;
                    }

                    if (!worker.Receive())
                    {
                        continue;
                    }

                    if (worker.StartBatch())
                    {
                        Send(worker, index);
                    }
                    else
                    {
                        active--;
                    }
                }
            }

            _done.TrySetResult();
        }
        catch (Exception e)
        {
            _done.TrySetException(e);
        }
        finally
        {
            NativeMemory.Free(events);
            Native.Close(_epoll);
        }
    }

    // Waits for writability only while a batch is partly sent.
    private void Send(ConnectionWorker worker, int index) =>
        Native.Modify(_epoll, worker.Fd, worker.Send() ? Native.EpollIn : Native.EpollOut, (ulong)index);
}
