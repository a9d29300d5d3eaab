using System.Text;
using CsCheck;
using Kv.Testing.Time;

namespace Kv.Storage.Tests.Expiry;

/// <summary>
/// Every option of every expiry operation against a model of Redis 7's semantics, under a manual clock: random
/// sequences of conditional SETs (with GET, KEEPTTL, relative and absolute times, times already past), GETEX, EXPIRE with
/// each condition, PERSIST, TTL, removals, reads, clock steps and runs of the active expiry. Each side records what each
/// operation answered; the records and the keys' final contents must match. CsCheck shrinks a failure to the shortest
/// sequence.
/// </summary>
public class ExpiryModelTests
{
    private static readonly Gen<string> Keys = Gen.Int[0, 12].Select(i => $"k{i}");
    private static readonly Gen<byte[]> Values = Gen.Byte.Array[0, 40];
    private static readonly Gen<KeyExpiryKind> Kinds = Gen.Enum<KeyExpiryKind>();
    private static readonly Gen<long> Times = Gen.Frequency((3, Gen.Long[1, 3000]), (1, Gen.Long[-100, 0]));

    private static readonly GenOperation<Actual, Model> Set = Gen.Select(Keys, Values, Gen.Enum<SetCondition>(), Kinds, Times, Gen.Bool)
        .Operation<Actual, Model>(
            t => $"Set({t.Item1}, {t.Item2.Length} bytes, {t.Item3}, {t.Item4} {t.Item5}, get={t.Item6})",
            (a, t) =>
            {
                var previous = new List<byte[]>();
                var result = a.Store.Set(Bytes(t.Item1), t.Item2, t.Item3, a.Expiry(t.Item4, t.Item5), t.Item6 ? Stores.Collect : null, previous);
                a.Record($"{result.Status} existed={result.Existed} previous={Hex(previous)}");
            },
            (m, t) => m.Set(t.Item1, t.Item2, t.Item3, t.Item4, t.Item5, t.Item6));

    private static readonly GenOperation<Actual, Model> GetEx = Gen.Select(Keys, Kinds, Times).Operation<Actual, Model>(
        t => $"GetEx({t.Item1}, {t.Item2} {t.Item3})",
        (a, t) =>
        {
            var read = new List<byte[]>();
            var status = a.Store.TryReadAndExpire(Bytes(t.Item1), a.Expiry(t.Item2, t.Item3), Stores.Collect, read);
            a.Record($"{status} {Hex(read)}");
        },
        (m, t) => m.GetEx(t.Item1, t.Item2, t.Item3));

    private static readonly GenOperation<Actual, Model> Expire = Gen.Select(Keys, Gen.Bool, Times, Gen.Enum<ExpireCondition>()).Operation<Actual, Model>(
        t => $"Expire({t.Item1}, absolute={t.Item2}, {t.Item3}, {t.Item4})",
        (a, t) => a.Record(a.Store.Expire(Bytes(t.Item1), a.Expiry(t.Item2 ? KeyExpiryKind.At : KeyExpiryKind.After, t.Item3), t.Item4).ToString()),
        (m, t) => m.Expire(t.Item1, t.Item2, t.Item3, t.Item4));

    private static readonly GenOperation<Actual, Model> Persist = Keys.Operation<Actual, Model>(
        k => $"Persist({k})",
        (a, k) => a.Record(a.Store.Persist(Bytes(k)).ToString()),
        (m, k) => m.Persist(k));

    private static readonly GenOperation<Actual, Model> Ttl = Keys.Operation<Actual, Model>(
        k => $"Ttl({k})",
        (a, k) => a.Record(a.Store.TimeToLive(Bytes(k)).ToString()),
        (m, k) => m.Record(m.Ttl(k).ToString()));

    private static readonly GenOperation<Actual, Model> Get = Keys.Operation<Actual, Model>(
        k => $"Get({k})",
        (a, k) => a.Record(Hex(a.Store.Read(Bytes(k)))),
        (m, k) => m.Record(Hex(m.Alive(k) ? m.Entries[k].Value : null)));

    private static readonly GenOperation<Actual, Model> Remove = Keys.Operation<Actual, Model>(
        k => $"Remove({k})",
        (a, k) => a.Record(a.Store.Remove(Bytes(k)).ToString()),
        (m, k) => m.Record(m.Delete(k).ToString()));

    private static readonly GenOperation<Actual, Model> Advance = Gen.Long[0, 2000].Operation<Actual, Model>(
        ms => $"Advance({ms} ms)",
        (a, ms) => a.Clock.Advance(ms),
        (m, ms) => m.Now += ms);

    private static readonly GenOperation<Actual, Model> Sweep = Gen.Const(0).Operation<Actual, Model>(
        _ => "RemoveExpired()",
        (a, _) => a.Store.RemoveExpired(),
        (_, _) => { });

    [Test]
    public void Sequences_of_expiry_operations_match_the_model([Values(1, 4)] int stripes)
    {
        var initial = Gen.Const(() => (new Actual(stripes), new Model()));
        Check.SampleModelBased(initial, [Set, Set, GetEx, Expire, Persist, Ttl, Get, Remove, Advance, Sweep], equal: Matches, iter: 2000, threads: 1);
    }

    private static bool Matches(Actual actual, Model model)
    {
        if (!actual.Outcomes.SequenceEqual(model.Outcomes))
        {
            return false;
        }

        for (var i = 0; i <= 12; i++)
        {
            var key = $"k{i}";
            if (Hex(actual.Store.Read(Bytes(key))) != Hex(model.Alive(key) ? model.Entries[key].Value : null)
                || actual.Store.TimeToLive(Bytes(key)) != model.Ttl(key))
            {
                return false;
            }
        }

        return true;
    }

    private static byte[] Bytes(string key) => Encoding.UTF8.GetBytes(key);

    private static string Hex(byte[]? value) => value is null ? "missing" : Convert.ToHexString(value);

    private static string Hex(List<byte[]> values) => string.Join(",", values.Select(Convert.ToHexString));

    internal sealed class Actual
    {
        public Actual(int stripes)
        {
            Store = Stores.Create(stripes: stripes, time: Clock);
        }

        public ManualClock Clock { get; } = new();

        public MemoryStore Store { get; }

        public List<string> Outcomes { get; } = [];

        public void Record(string outcome) => Outcomes.Add(outcome);

        // An absolute time is generated as an offset from now, so that both sides mean the same instant.
        public KeyExpiry Expiry(KeyExpiryKind kind, long milliseconds) =>
            kind == KeyExpiryKind.At ? KeyExpiry.At(Clock.UnixMilliseconds + milliseconds) : new KeyExpiry(kind, milliseconds);

        public override string ToString() => $"store of {Store.Count} keys";
    }

    /// <summary>Redis 7's semantics, in the clock's milliseconds; an expiry of null never comes.</summary>
    internal sealed class Model
    {
        public Dictionary<string, (byte[] Value, long? ExpiresAt)> Entries { get; } = [];

        public long Now { get; set; }

        public List<string> Outcomes { get; } = [];

        public void Record(string outcome) => Outcomes.Add(outcome);

        public bool Alive(string key) => Entries.TryGetValue(key, out var entry) && (entry.ExpiresAt is not { } at || at > Now);

        public bool Delete(string key) => Alive(key) & Entries.Remove(key);

        public long Ttl(string key) =>
            !Alive(key) ? MemoryStore.TtlKeyMissing : Entries[key].ExpiresAt is { } at ? at - Now : MemoryStore.TtlNoExpiry;

        public void Set(string key, byte[] value, SetCondition condition, KeyExpiryKind kind, long milliseconds, bool get)
        {
            var existed = Alive(key);
            var previous = get && existed ? Convert.ToHexString(Entries[key].Value) : "";
            if ((condition == SetCondition.IfMissing && existed) || (condition == SetCondition.IfExists && !existed))
            {
                Record($"{SetStatus.ConditionNotMet} existed={existed} previous={previous}");
                return;
            }

            long? at = kind switch
            {
                KeyExpiryKind.Keep => existed ? Entries[key].ExpiresAt : null,
                KeyExpiryKind.After or KeyExpiryKind.At => Now + milliseconds,
                _ => null,
            };
            Entries.Remove(key);
            if (at is not { } time || time > Now)
            {
                Entries[key] = (value, at);
            }

            Record($"{SetStatus.Applied} existed={existed} previous={previous}");
        }

        public void GetEx(string key, KeyExpiryKind kind, long milliseconds)
        {
            if (!Alive(key))
            {
                Record($"{ExpireStatus.KeyMissing} ");
                return;
            }

            var entry = Entries[key];
            Record($"{ExpireStatus.Applied} {Convert.ToHexString(entry.Value)}");
            Change(key, kind switch
            {
                KeyExpiryKind.Keep => entry.ExpiresAt,
                KeyExpiryKind.Never => null,
                _ => Now + milliseconds,
            });
        }

        public void Expire(string key, bool absolute, long milliseconds, ExpireCondition condition)
        {
            if (!Alive(key))
            {
                Record(ExpireStatus.KeyMissing.ToString());
                return;
            }

            var current = Entries[key].ExpiresAt;
            var next = Now + milliseconds;
            var applies = condition switch
            {
                ExpireCondition.IfNone => current is null,
                ExpireCondition.IfAny => current is not null,
                ExpireCondition.IfLater => current is { } c && next > c,
                ExpireCondition.IfSooner => current is not { } d || next < d,
                ExpireCondition.IfAnyAndSooner => current is { } e && next < e,
                _ => true,
            };
            if (applies)
            {
                Change(key, next);
            }

            Record((applies ? ExpireStatus.Applied : ExpireStatus.NotApplied).ToString());
        }

        public void Persist(string key)
        {
            if (!Alive(key))
            {
                Record(ExpireStatus.KeyMissing.ToString());
                return;
            }

            var had = Entries[key].ExpiresAt is not null;
            Change(key, null);
            Record((had ? ExpireStatus.Applied : ExpireStatus.NotApplied).ToString());
        }

        private void Change(string key, long? at)
        {
            if (at is { } time && time <= Now)
            {
                Entries.Remove(key);
            }
            else
            {
                Entries[key] = (Entries[key].Value, at);
            }
        }

        public override string ToString() => $"model of {Entries.Count} keys at {Now} ms";
    }
}
