using Kv.Server.Diagnostics;

namespace Kv.Server.Networking.EventLoop;

/// <summary>
/// The loop's clocks, checked at the end of every turn and bounding how long it waits: lingering closes, TLS handshake
/// deadlines (every 100 ms while any runs) and the idle sweep.
/// </summary>
internal sealed partial class EventLoop
{
    private int NextTimeout()
    {
        if (_lingering.Count > 0)
        {
            return 50;
        }

        var now = Environment.TickCount64;
        var idle = _idleSweepPeriod == long.MaxValue ? -1 : (int)Math.Clamp(_nextIdleSweep - now, 0, _idleSweepPeriod);
        if (_handshaking.Count == 0)
        {
            return idle;
        }

        var handshakes = (int)Math.Clamp(_nextHandshakeCheck - now, 0, HandshakeCheckPeriod);
        return idle < 0 ? handshakes : Math.Min(idle, handshakes);
    }

    private void RunTimers()
    {
        var now = Environment.TickCount64;
        for (var i = _lingering.Count - 1; i >= 0; i--)
        {
            _lingering[i].CheckLinger(now);
        }

        if (_handshaking.Count > 0 && now >= _nextHandshakeCheck)
        {
            _nextHandshakeCheck = now + HandshakeCheckPeriod;
            List<LoopConnection>? late = null;
            foreach (var connection in _handshaking)
            {
                if (now >= connection.HandshakeDeadline)
                {
                    (late ??= []).Add(connection);
                }
            }

            late?.ForEach(static c => c.HandshakeTimedOut());
        }

        // An idle timeout of zero is off: no sweep at all (a sweep with a zero limit would close every quiet connection).
        if (_idleSweepPeriod == long.MaxValue || now < _nextIdleSweep)
        {
            return;
        }

        _nextIdleSweep = now + _idleSweepPeriod;
        var limit = (long)_services.Options.IdleTimeout.TotalMilliseconds;
        foreach (var connection in Connections())
        {
            if (now - connection.LastActivity > limit)
            {
                ServerLog.IdleTimeout(_services.Logger, connection.Id, _services.Options.IdleTimeout);
                connection.Abort();
            }
        }
    }
}
