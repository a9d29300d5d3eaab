using CsCheck;
using Kv.Protocol;
using Kv.Storage;
using Kv.Testing.Time;

namespace Kv.Server.Tests.Model;

/// <summary>
/// Model-based tests of the expiry commands against a real server whose store runs on a <see cref="ManualClock"/>:
/// random sessions of SETX, EXPIRE, PERSIST, TTL, GETEX, GETDEL, GET, SET and CLEAR with valid and invalid options,
/// between which the clock moves (both clocks, or the wall clock alone), every answer checked against
/// <see cref="ExpiryModel"/>. On a failure CsCheck shrinks to the smallest failing session and prints it with its seed.
/// </summary>
[NonParallelizable]
public class ExpiryModelTests
{
    private static readonly Gen<ushort> SetXFlags = Gen.Frequency(
        (6, Gen.OneOf<ushort>(0x0000, 0x0001, 0x0002, 0x0004, 0x0008, 0x0010, 0x0020, 0x0011, 0x0012, 0x0015, 0x0016, 0x000c, 0x0026, 0x000e)),
        (1, Gen.UShort[0, 0x7f]));

    private static readonly Gen<ushort> ExpireFlagsGen = Gen.Frequency(
        (6, Gen.OneOf<ushort>(0x0010, 0x0020, 0x0011, 0x0012, 0x0014, 0x0018, 0x0016, 0x001a, 0x0021, 0x0024, 0x0028, 0x002a)),
        (1, Gen.UShort[0, 0x7f]));

    private static readonly Gen<ushort> GetExFlagsGen = Gen.Frequency(
        (6, Gen.OneOf<ushort>(0x0000, 0x0010, 0x0020, 0x0040)),
        (1, Gen.UShort[0, 0x7f]));

    /// <summary>Times: a few seconds either way (relative, or from the wall clock), and now and then an extreme.</summary>
    private static readonly Gen<(long Time, bool FromWallClock)> Time = Gen.Frequency(
        (6, Gen.Long[-500, 5000].Select(t => (t, false))),
        (4, Gen.Long[-2000, 5000].Select(t => (t, true))),
        (1, Gen.OneOf(0L, 1L, -1L, long.MinValue, long.MaxValue).Select(t => (t, false))));

    private static readonly Gen<ExpiryStep> Step = Gen.Frequency(
        (2, Request(CommandKind.Set, Gen.Const((ushort)0))),
        (3, Request(CommandKind.Get, Gen.Const((ushort)0))),
        (1, Request(CommandKind.Clear, Gen.Const((ushort)0))),
        (5, Request(CommandKind.SetX, SetXFlags)),
        (4, Request(CommandKind.Expire, ExpireFlagsGen)),
        (1, Request(CommandKind.Persist, Gen.Const((ushort)0))),
        (3, Request(CommandKind.Ttl, Gen.Const((ushort)0))),
        (2, Request(CommandKind.GetEx, GetExFlagsGen)),
        (1, Request(CommandKind.GetDel, Gen.Const((ushort)0))),
        (3, Gen.Long[1, 3000].Select(ms => new ExpiryStep(CommandKind.Ping, 0, [], 0, 0, false, ms, 0))),
        (1, Gen.Long[-3_600_000, 3_600_000].Select(ms => new ExpiryStep(CommandKind.Ping, 0, [], 0, 0, false, 0, ms == 0 ? 1 : ms))));

    private ManualClock _clock = null!;
    private MemoryStore _store = null!;
    private InProcessServer _server = null!;

    [OneTimeSetUp]
    public void Start()
    {
        _clock = new ManualClock();
        _store = new MemoryStore(new MemoryStoreOptions { TimeProvider = _clock });
        _server = InProcessServer.Start(store: _store);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _server.DisposeAsync();
        _store.Dispose();
    }

    [Test]
    public async Task Sessions_of_expiry_commands_on_a_moving_clock_match_the_model()
    {
        await Step.Array[1, 60].SampleAsync(async steps =>
        {
            using var connection = await _server.ConnectAsync();
            foreach (var key in Generators.Keys)
            {
                await connection.ExecuteAsync(Command.Clear(key, ProtocolVersion.V1, 0));
            }

            var model = new ExpiryModel(_clock);
            uint requestId = 0;
            foreach (var step in steps)
            {
                if (step.Advance != 0)
                {
                    _clock.Advance(step.Advance);
                    continue;
                }

                if (step.Jump != 0)
                {
                    _clock.JumpWallClock(TimeSpan.FromMilliseconds(step.Jump));
                    continue;
                }

                var command = step.ToCommand(_clock.UnixMilliseconds, ++requestId);
                var expected = model.Apply(command);
                var actual = await connection.ExecuteAsync(command);
                actual.Should().Be(expected, "the answer to {0} (expected body {1}, got {2})", step, Convert.ToHexString(expected.Payload), Convert.ToHexString(actual.Payload));
            }
        }, iter: 200, threads: 1, print: steps => string.Join("; ", steps.Select(s => s.ToString())));

        _server.Errors.Should().BeEmpty();
    }

    private static Gen<ExpiryStep> Request(CommandKind kind, Gen<ushort> flags) =>
        Gen.Select(Gen.Int[0, Generators.Keys.Length - 1], Generators.Value, flags, Time,
            (key, value, bits, time) => new ExpiryStep(kind, key, value, bits, time.Time, time.FromWallClock, 0, 0));
}
