namespace Kv.Server.Networking.EventLoop;

/// <summary>
/// A connection paused while its AUTH is checked: nothing more is read or run until the answer is known, and the loop
/// serves the other connections meanwhile.
/// </summary>
internal sealed partial class LoopConnection
{
    // An AUTH is being checked off the loop's thread (and a failure waits out its delay on a timer): the responses
    // before it go out at the end of the turn as usual, nothing more is read or run, and the loop's thread goes on
    // serving the other connections. When the answer is known, the resume is posted to the loop.
    private void Pause()
    {
        _paused = true;
        if (!_dirty && _interest == ReadInterest)
        {
            SetInterest(NoInterest);
        }

        _frames.Paused.ContinueWith(static (_, state) =>
        {
            var connection = (LoopConnection)state!;
            connection._loop.Post(static s => ((LoopConnection)s!).Resume(), connection);
        }, this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void Resume()
    {
        _paused = false;
        if (_closed || _draining)
        {
            return;
        }

        if (_interest == NoInterest)
        {
            SetInterest(ReadInterest);
        }

        ProcessInput();
        if (_stopping && !_paused && !_closed)
        {
            // A graceful stop came meanwhile: what waits in the kernel is answered too, then the connection closes.
            BeginStop();
        }
    }
}
