using System.Diagnostics;
using System.Text;
using Kv.Protocol;
using Kv.Storage;

namespace Kv.Client.Tests;

/// <summary>
/// SET with an expiry and a condition, EXPIRE, PERSIST, TTL and GETEX through the client, against a real in-process
/// server: every call in success and refusal, and their result types' three-way answers.
/// </summary>
[CancelAfter(60_000)]
public class ExpiryTests
{
    private static readonly TimeSpan Long = TimeSpan.FromHours(1);

    private InProcessServer _server = null!;
    private KvClient _client = null!;

    [OneTimeSetUp]
    public async Task StartServer()
    {
        _server = InProcessServer.Start(ClientTestServer.Options);
        _client = await KvClient.ConnectAsync(_server.Address);
    }

    [OneTimeTearDown]
    public async Task StopServer()
    {
        await _client.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Test]
    public async Task Set_with_an_expiry_applies_and_the_key_is_gone_once_it_passes(CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var result = await _client.SetAsync("exp:short", "v", new KvSetOptions { Expiry = TimeSpan.FromMilliseconds(250) }, cancellationToken);
        result.Should().Be(new KvSetResult(Applied: true, KeyExisted: false));

        (await Waiting.UntilAsync(async () => await _client.GetAsync("exp:short", cancellationToken) is null, TimeSpan.FromSeconds(20)))
            .Should().BeTrue("the key expires 250 ms after it was written");
        stopwatch.Elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(240), "a key never expires before its time");
        (await _client.GetTimeToLiveAsync("exp:short", cancellationToken)).Should().Be(KvTimeToLive.KeyMissing);
        (await _client.ExpireAsync("exp:short", Long, cancellationToken: cancellationToken)).Should().Be(KvExpireResult.KeyMissing);
    }

    [Test]
    public async Task Set_with_an_expiry_gives_the_key_that_time_to_live([Values] bool asBytes, CancellationToken cancellationToken)
    {
        var options = new KvSetOptions { Expiry = TimeSpan.FromSeconds(60) };
        var result = asBytes
            ? await _client.SetAsync("exp:ttl-bytes"u8.ToArray(), "v"u8.ToArray(), options, cancellationToken)
            : await _client.SetAsync("exp:ttl", "v", options, cancellationToken);
        result.Applied.Should().BeTrue();

        var ttl = asBytes ? await _client.GetTimeToLiveAsync("exp:ttl-bytes"u8.ToArray(), cancellationToken) : await _client.GetTimeToLiveAsync("exp:ttl", cancellationToken);
        ttl.KeyExists.Should().BeTrue();
        ttl.HasExpiry.Should().BeTrue();
        ttl.Remaining.Should().BeGreaterThan(TimeSpan.FromSeconds(30)).And.BeLessThanOrEqualTo(TimeSpan.FromSeconds(60));
    }

    [Test]
    public async Task Set_if_missing_applies_once_then_reports_the_existing_key_and_changes_nothing(CancellationToken cancellationToken)
    {
        var ifMissing = new KvSetOptions { Condition = KvSetCondition.IfMissing, Expiry = Long };

        (await _client.SetAsync("exp:nx", "first", ifMissing, cancellationToken)).Should().Be(new KvSetResult(true, false));
        (await _client.SetAsync("exp:nx", "second", ifMissing, cancellationToken)).Should().Be(new KvSetResult(false, true));
        (await _client.SetAsync("exp:nx"u8.ToArray(), "third"u8.ToArray(), ifMissing, cancellationToken)).Should().Be(new KvSetResult(false, true));

        (await _client.GetAsync("exp:nx", cancellationToken)).Should().Be("first");
    }

    [Test]
    public async Task Set_if_exists_applies_only_to_an_existing_key(CancellationToken cancellationToken)
    {
        var ifExists = new KvSetOptions { Condition = KvSetCondition.IfExists };

        (await _client.SetAsync("exp:xx", "never", ifExists, cancellationToken)).Should().Be(new KvSetResult(false, false));
        (await _client.GetAsync("exp:xx", cancellationToken)).Should().BeNull("a write whose condition fails creates nothing");

        await _client.SetAsync("exp:xx", "old", cancellationToken);
        (await _client.SetAsync("exp:xx", "new", ifExists, cancellationToken)).Should().Be(new KvSetResult(true, true));
        (await _client.GetAsync("exp:xx", cancellationToken)).Should().Be("new");
    }

    [Test]
    public async Task GetAndSet_returns_the_previous_value_whether_or_not_the_write_applies(CancellationToken cancellationToken)
    {
        (await _client.GetAndSetAsync("exp:get", "one", cancellationToken: cancellationToken)).Should().Be(new KvSetResult<string>(true, false, null));
        (await _client.GetAndSetAsync("exp:get", "two", cancellationToken: cancellationToken)).Should().Be(new KvSetResult<string>(true, true, "one"));

        var refused = await _client.GetAndSetAsync("exp:get", "three", new KvSetOptions { Condition = KvSetCondition.IfMissing }, cancellationToken);
        refused.Should().Be(new KvSetResult<string>(false, true, "two"), "NX fails, and GET still answers the value");
        (await _client.GetAsync("exp:get", cancellationToken)).Should().Be("two");

        var missing = await _client.GetAndSetAsync("exp:get-missing", "x", new KvSetOptions { Condition = KvSetCondition.IfExists }, cancellationToken);
        missing.Should().Be(new KvSetResult<string>(false, false, null));

        await _client.SetAsync("exp:get-empty", string.Empty, cancellationToken);
        (await _client.GetAndSetAsync("exp:get-empty", "full", cancellationToken: cancellationToken)).PreviousValue.Should().Be(string.Empty, "an empty value is not a missing one");
    }

    [Test]
    public async Task GetAndSet_of_bytes_returns_a_copy_of_the_previous_bytes(CancellationToken cancellationToken)
    {
        byte[] key = [0x00, 0xFF, 0x01];
        byte[] first = [0xC3, 0x28, 0x00];

        var created = await _client.GetAndSetAsync(key, first, new KvSetOptions { Expiry = Long }, cancellationToken);
        created.Applied.Should().BeTrue();
        created.KeyExisted.Should().BeFalse();
        created.PreviousValue.Should().BeNull();

        var replaced = await _client.GetAndSetAsync(key, new byte[] { 0x42 }, cancellationToken: cancellationToken);
        replaced.Applied.Should().BeTrue();
        replaced.KeyExisted.Should().BeTrue();
        replaced.PreviousValue.Should().Equal(first);
        (await _client.GetTimeToLiveAsync(key, cancellationToken)).Should().Be(KvTimeToLive.NoExpiry, "a write without an expiry or KEEPTTL clears it");
    }

    [Test]
    public async Task KeepTtl_keeps_the_expiry_and_a_write_without_it_clears_it(CancellationToken cancellationToken)
    {
        await _client.SetAsync("exp:keep", "v1", new KvSetOptions { Expiry = Long }, cancellationToken);

        (await _client.SetAsync("exp:keep", "v2", new KvSetOptions { KeepTtl = true }, cancellationToken)).Should().Be(new KvSetResult(true, true));
        (await _client.GetTimeToLiveAsync("exp:keep", cancellationToken)).Remaining.Should().BeGreaterThan(TimeSpan.FromMinutes(59));
        (await _client.GetAsync("exp:keep", cancellationToken)).Should().Be("v2");

        (await _client.SetAsync("exp:keep", "v3", default(KvSetOptions), cancellationToken)).Applied.Should().BeTrue();
        (await _client.GetTimeToLiveAsync("exp:keep", cancellationToken)).Should().Be(KvTimeToLive.NoExpiry);

        await _client.SetAsync("exp:keep", "v4", new KvSetOptions { Expiry = Long }, cancellationToken);
        await _client.SetAsync("exp:keep", "v5", cancellationToken);
        (await _client.GetTimeToLiveAsync("exp:keep", cancellationToken)).Should().Be(KvTimeToLive.NoExpiry, "the plain SET clears the expiry, as Redis's does");
    }

    [Test]
    public async Task An_absolute_expiry_counts_to_that_time_and_one_already_past_removes_the_key(CancellationToken cancellationToken)
    {
        var inAnHour = DateTimeOffset.UtcNow + Long;
        (await _client.SetAsync("exp:at", "v", new KvSetOptions { ExpiresAt = inAnHour }, cancellationToken)).Applied.Should().BeTrue();
        (await _client.GetTimeToLiveAsync("exp:at", cancellationToken)).Remaining.Should().BeCloseTo(Long, TimeSpan.FromMinutes(1));

        var past = new DateTimeOffset(2001, 9, 9, 1, 46, 40, TimeSpan.Zero);
        (await _client.SetAsync("exp:at", "gone", new KvSetOptions { ExpiresAt = past }, cancellationToken)).Should().Be(new KvSetResult(true, true));
        (await _client.GetAsync("exp:at", cancellationToken)).Should().BeNull();
    }

    [Test]
    public async Task Ttl_has_three_answers_that_cannot_be_confused(CancellationToken cancellationToken)
    {
        var missing = await _client.GetTimeToLiveAsync("exp:ttl-missing", cancellationToken);
        missing.KeyExists.Should().BeFalse();
        missing.HasExpiry.Should().BeFalse();
        missing.Remaining.Should().BeNull();
        missing.ToString().Should().Be("key missing");

        await _client.SetAsync("exp:ttl-none", "v", cancellationToken);
        var none = await _client.GetTimeToLiveAsync("exp:ttl-none", cancellationToken);
        none.KeyExists.Should().BeTrue();
        none.HasExpiry.Should().BeFalse();
        none.Remaining.Should().BeNull();
        none.ToString().Should().Be("no expiry");

        await _client.SetAsync("exp:ttl-some", "v", new KvSetOptions { Expiry = TimeSpan.FromSeconds(100) }, cancellationToken);
        var some = await _client.GetTimeToLiveAsync("exp:ttl-some", cancellationToken);
        some.KeyExists.Should().BeTrue();
        some.HasExpiry.Should().BeTrue();
        some.Remaining.Should().BeGreaterThan(TimeSpan.FromSeconds(50)).And.BeLessThanOrEqualTo(TimeSpan.FromSeconds(100));
        some.ToString().Should().MatchRegex("^expires in [0-9]+ ms$");

        new[] { missing, none, some }.Distinct().Should().HaveCount(3);
    }

    [Test]
    public async Task Persist_removes_an_expiry_and_says_when_there_was_none_or_no_key([Values] bool asBytes, CancellationToken cancellationToken)
    {
        var key = asBytes ? "exp:persist-bytes" : "exp:persist";
        ValueTask<KvPersistResult> Persist() => asBytes ? _client.PersistAsync(Encoding.UTF8.GetBytes(key), cancellationToken) : _client.PersistAsync(key, cancellationToken);

        (await Persist()).Should().Be(KvPersistResult.KeyMissing);

        await _client.SetAsync(key, "v", new KvSetOptions { Expiry = Long }, cancellationToken);
        (await Persist()).Should().Be(KvPersistResult.ExpiryRemoved);
        (await _client.GetTimeToLiveAsync(key, cancellationToken)).Should().Be(KvTimeToLive.NoExpiry);

        (await Persist()).Should().Be(KvPersistResult.NoExpiry);
        (await _client.GetAsync(key, cancellationToken)).Should().Be("v");
    }

    [Test]
    public async Task Expire_conditions_follow_Redis_7(CancellationToken cancellationToken)
    {
        const string Key = "exp:conditions";
        (await _client.ExpireAsync(Key, Long, cancellationToken: cancellationToken)).Should().Be(KvExpireResult.KeyMissing);
        await _client.SetAsync(Key, "v", cancellationToken);

        // No expiry: XX and GT do not hold (no expiry counts as never), LT does.
        (await _client.ExpireAsync(Key, Long, KvExpireCondition.IfHasExpiry, cancellationToken)).Should().Be(KvExpireResult.NotApplied);
        (await _client.ExpireAsync(Key, Long, KvExpireCondition.IfLater, cancellationToken)).Should().Be(KvExpireResult.NotApplied);
        (await _client.GetTimeToLiveAsync(Key, cancellationToken)).Should().Be(KvTimeToLive.NoExpiry);
        (await _client.ExpireAsync(Key, TimeSpan.FromSeconds(100), KvExpireCondition.IfNoExpiry, cancellationToken)).Should().Be(KvExpireResult.Applied);

        // 100 s left: NX no longer holds; GT only for a later time, LT only for a sooner one.
        (await _client.ExpireAsync(Key, Long, KvExpireCondition.IfNoExpiry, cancellationToken)).Should().Be(KvExpireResult.NotApplied);
        (await _client.ExpireAsync(Key, TimeSpan.FromSeconds(50), KvExpireCondition.IfLater, cancellationToken)).Should().Be(KvExpireResult.NotApplied);
        (await _client.ExpireAsync(Key, TimeSpan.FromSeconds(200), KvExpireCondition.IfHasExpiry | KvExpireCondition.IfLater, cancellationToken)).Should().Be(KvExpireResult.Applied);
        (await _client.GetTimeToLiveAsync(Key, cancellationToken)).Remaining.Should().BeGreaterThan(TimeSpan.FromSeconds(150));
        (await _client.ExpireAsync(Key, TimeSpan.FromSeconds(300), KvExpireCondition.IfSooner, cancellationToken)).Should().Be(KvExpireResult.NotApplied);
        (await _client.ExpireAsync(Key, TimeSpan.FromSeconds(20), KvExpireCondition.IfSooner, cancellationToken)).Should().Be(KvExpireResult.Applied);
        (await _client.GetTimeToLiveAsync(Key, cancellationToken)).Remaining.Should().BeLessThanOrEqualTo(TimeSpan.FromSeconds(20));

        // LT applies to a key without an expiry.
        await _client.PersistAsync(Key, cancellationToken);
        (await _client.ExpireAsync(Key, Long, KvExpireCondition.IfSooner, cancellationToken)).Should().Be(KvExpireResult.Applied);
        (await _client.GetAsync(Key, cancellationToken)).Should().Be("v");
    }

    [Test]
    public async Task Expire_at_an_absolute_time_and_in_the_past_removes_the_key([Values] bool asBytes, CancellationToken cancellationToken)
    {
        var key = asBytes ? "exp:at-bytes" : "exp:at-string";
        var bytes = Encoding.UTF8.GetBytes(key);
        await _client.SetAsync(key, "v", cancellationToken);

        var at = DateTimeOffset.UtcNow + Long;
        var applied = asBytes ? await _client.ExpireAsync(bytes, at, KvExpireCondition.IfNoExpiry, cancellationToken) : await _client.ExpireAsync(key, at, KvExpireCondition.IfNoExpiry, cancellationToken);
        applied.Should().Be(KvExpireResult.Applied);
        (await _client.GetTimeToLiveAsync(key, cancellationToken)).Remaining.Should().BeCloseTo(Long, TimeSpan.FromMinutes(1));

        var sooner = asBytes ? await _client.ExpireAsync(bytes, at - TimeSpan.FromMinutes(30), KvExpireCondition.IfLater, cancellationToken) : await _client.ExpireAsync(key, at - TimeSpan.FromMinutes(30), KvExpireCondition.IfLater, cancellationToken);
        sooner.Should().Be(KvExpireResult.NotApplied);

        var gone = asBytes ? await _client.ExpireAsync(bytes, TimeSpan.FromMilliseconds(-1), cancellationToken: cancellationToken) : await _client.ExpireAsync(key, TimeSpan.Zero, cancellationToken: cancellationToken);
        gone.Should().Be(KvExpireResult.Applied, "a time at or before now removes the key");
        (await _client.GetAsync(key, cancellationToken)).Should().BeNull();
    }

    [Test]
    public async Task GetAndExpire_reads_and_sets_the_expiry_and_GetAndPersist_reads_and_clears_it(CancellationToken cancellationToken)
    {
        (await _client.GetAndExpireAsync("exp:getex", Long, cancellationToken)).Should().BeNull();
        (await _client.GetAndPersistAsync("exp:getex", cancellationToken)).Should().BeNull();
        (await _client.GetTimeToLiveAsync("exp:getex", cancellationToken)).Should().Be(KvTimeToLive.KeyMissing, "reading a missing key creates nothing");

        await _client.SetAsync("exp:getex", "v", cancellationToken);
        (await _client.GetAndExpireAsync("exp:getex", TimeSpan.FromSeconds(100), cancellationToken)).Should().Be("v");
        (await _client.GetTimeToLiveAsync("exp:getex", cancellationToken)).Remaining.Should().BeGreaterThan(TimeSpan.FromSeconds(50));

        (await _client.GetAndExpireAsync("exp:getex", DateTimeOffset.UtcNow + Long, cancellationToken)).Should().Be("v");
        (await _client.GetTimeToLiveAsync("exp:getex", cancellationToken)).Remaining.Should().BeGreaterThan(TimeSpan.FromMinutes(59));

        (await _client.GetAndPersistAsync("exp:getex", cancellationToken)).Should().Be("v");
        (await _client.GetTimeToLiveAsync("exp:getex", cancellationToken)).Should().Be(KvTimeToLive.NoExpiry);

        (await _client.GetAndExpireAsync("exp:getex", new DateTimeOffset(2001, 9, 9, 1, 46, 40, TimeSpan.Zero), cancellationToken)).Should().Be("v", "the read comes first");
        (await _client.GetAsync("exp:getex", cancellationToken)).Should().BeNull("then a time already past removes the key");
    }

    [Test]
    public async Task GetAndExpire_and_GetAndPersist_of_bytes(CancellationToken cancellationToken)
    {
        byte[] key = [0xFE, 0x00];
        (await _client.GetAndExpireAsync(key, Long, cancellationToken)).Should().BeNull();
        await _client.SetAsync(key, new byte[] { 0x00, 0xFF }, cancellationToken);

        (await _client.GetAndExpireAsync(key, TimeSpan.FromSeconds(100), cancellationToken)).Should().Equal(0x00, 0xFF);
        (await _client.GetTimeToLiveAsync(key, cancellationToken)).HasExpiry.Should().BeTrue();
        (await _client.GetAndExpireAsync(key, DateTimeOffset.UtcNow + Long, cancellationToken)).Should().Equal(0x00, 0xFF);
        (await _client.GetAndPersistAsync(key, cancellationToken)).Should().Equal(0x00, 0xFF);
        (await _client.GetTimeToLiveAsync(key, cancellationToken)).Should().Be(KvTimeToLive.NoExpiry);
        (await _client.GetAndPersistAsync(new byte[] { 0xFE }, cancellationToken)).Should().BeNull();
    }

    [Test]
    public async Task Invalid_options_throw_before_anything_is_sent(CancellationToken cancellationToken)
    {
        await using var server = FakeServer.Start();
        await using var client = await KvClient.ConnectAsync(server.EndPoint, cancellationToken);
        var sent = server.RequestsReceived;

        var invalid = new Func<Task>[]
        {
            async () => await client.SetAsync("k", "v", new KvSetOptions { Expiry = Long, ExpiresAt = DateTimeOffset.UtcNow }, cancellationToken),
            async () => await client.SetAsync("k", "v", new KvSetOptions { Expiry = Long, KeepTtl = true }, cancellationToken),
            async () => await client.SetAsync("k"u8.ToArray(), "v"u8.ToArray(), new KvSetOptions { ExpiresAt = DateTimeOffset.UtcNow, KeepTtl = true }, cancellationToken),
            async () => await client.SetAsync("k", "v", new KvSetOptions { Expiry = TimeSpan.Zero }, cancellationToken),
            async () => await client.GetAndSetAsync("k", "v", new KvSetOptions { Expiry = TimeSpan.FromSeconds(-1) }, cancellationToken),
            async () => await client.SetAsync("k", "v", new KvSetOptions { ExpiresAt = DateTimeOffset.UnixEpoch }, cancellationToken),
            async () => await client.SetAsync("k", "v", new KvSetOptions { Condition = (KvSetCondition)3 }, cancellationToken),
            async () => await client.ExpireAsync("k", Long, KvExpireCondition.IfNoExpiry | KvExpireCondition.IfHasExpiry, cancellationToken),
            async () => await client.ExpireAsync("k", Long, KvExpireCondition.IfNoExpiry | KvExpireCondition.IfSooner, cancellationToken),
            async () => await client.ExpireAsync("k", DateTimeOffset.UtcNow, KvExpireCondition.IfLater | KvExpireCondition.IfSooner, cancellationToken),
            async () => await client.ExpireAsync("k", Long, (KvExpireCondition)0x10, cancellationToken),
            async () => await client.GetAndExpireAsync("k", TimeSpan.Zero, cancellationToken),
            async () => await client.GetAndExpireAsync("k"u8.ToArray(), DateTimeOffset.UnixEpoch, cancellationToken),
        };

        foreach (var call in invalid)
        {
            await FluentActions.Awaiting(call).Should().ThrowAsync<ArgumentException>();
        }

        var message = await FluentActions.Awaiting(async () => await client.SetAsync("k", "v", new KvSetOptions { Expiry = Long, KeepTtl = true }, cancellationToken))
            .Should().ThrowAsync<ArgumentException>();
        message.WithParameterName("options").WithMessage("*KEEPTTL cannot be combined with PX or PXAT*");

        (await client.PingAsync("after", cancellationToken)).Should().Be("after");
        server.RequestsReceived.Should().Be(sent + 1, "only the PING reached the server");
    }

    [TestCase(ProtocolErrorCode.InvalidArgument, "SETX: NX and XX cannot be combined")]
    [TestCase(ProtocolErrorCode.OutOfMemory, "out of memory")]
    [TestCase(ProtocolErrorCode.WriteRefused, "writes refused")]
    public async Task A_server_error_is_a_KvServerException_with_its_code_and_the_connection_stays(ProtocolErrorCode code, string text, CancellationToken cancellationToken)
    {
        await using var server = FakeServer.Start();
        await using var client = await KvClient.ConnectAsync(server.EndPoint, cancellationToken);

        foreach (var call in new Func<Task>[]
        {
            async () => await client.SetAsync("k", "v", new KvSetOptions { Expiry = Long }, cancellationToken),
            async () => await client.GetAndSetAsync("k", "v", cancellationToken: cancellationToken),
            async () => await client.ExpireAsync("k", Long, cancellationToken: cancellationToken),
            async () => await client.PersistAsync("k", cancellationToken),
            async () => await client.GetAndExpireAsync("k", Long, cancellationToken),
        })
        {
            server.FailNextRequest(code, text);
            var thrown = await FluentActions.Awaiting(call).Should().ThrowAsync<KvServerException>();
            thrown.Which.Code.Should().Be(code);
            thrown.Which.ServerMessage.Should().Be(text);
        }

        (await client.PingAsync("still here", cancellationToken)).Should().Be("still here");
        server.AcceptedConnections.Should().Be(1);
    }

    [Test]
    public async Task A_reply_that_is_not_of_the_command_s_layout_fails_that_call(CancellationToken cancellationToken)
    {
        // The fake server answers commands it does not know as it answers PING: OK with the value echoed, or "PONG".
        await using var server = FakeServer.Start();
        await using var client = await KvClient.ConnectAsync(server.EndPoint, cancellationToken);

        await FluentActions.Awaiting(async () => await client.SetAsync("k", "vv", new KvSetOptions(), cancellationToken))
            .Should().ThrowAsync<KvProtocolException>().WithMessage("*SetX*");
        await FluentActions.Awaiting(async () => await client.GetTimeToLiveAsync("k", cancellationToken))
            .Should().ThrowAsync<KvProtocolException>().WithMessage("*Ttl*");
        await FluentActions.Awaiting(async () => await client.PersistAsync("k", cancellationToken))
            .Should().ThrowAsync<KvProtocolException>().WithMessage("*Persist*");
    }

    [Test]
    public async Task A_store_at_its_memory_limit_refuses_a_conditional_set_with_OutOfMemory(CancellationToken cancellationToken)
    {
        using var store = new MemoryStore(new MemoryStoreOptions { MemoryLimit = 8 * 1024 * 1024 });
        await using var server = InProcessServer.Start(ClientTestServer.Options, store);
        await using var client = await KvClient.ConnectAsync(server.Address, cancellationToken);
        var value = new byte[512 * 1024];

        KvServerException? refused = null;
        for (var i = 0; i < 100 && refused is null; i++)
        {
            try
            {
                (await client.SetAsync(BitConverter.GetBytes(i), value, new KvSetOptions { Condition = KvSetCondition.IfMissing, Expiry = Long }, cancellationToken))
                    .Applied.Should().BeTrue();
            }
            catch (KvServerException e)
            {
                refused = e;
            }
        }

        refused.Should().NotBeNull("the store's limit is 8 MiB");
        refused!.Code.Should().Be(ProtocolErrorCode.OutOfMemory);
        (await client.GetTimeToLiveAsync(BitConverter.GetBytes(0), cancellationToken)).HasExpiry.Should().BeTrue("reads go on");
    }

    [Test]
    public async Task Null_keys_and_values_are_rejected(CancellationToken cancellationToken)
    {
        var calls = new Func<Task>[]
        {
            async () => await _client.SetAsync(null!, "v", default(KvSetOptions), cancellationToken),
            async () => await _client.SetAsync("k", null!, default(KvSetOptions), cancellationToken),
            async () => await _client.GetAndSetAsync(null!, "v", cancellationToken: cancellationToken),
            async () => await _client.ExpireAsync((string)null!, Long, cancellationToken: cancellationToken),
            async () => await _client.ExpireAsync((string)null!, DateTimeOffset.UtcNow, cancellationToken: cancellationToken),
            async () => await _client.PersistAsync((string)null!, cancellationToken),
            async () => await _client.GetTimeToLiveAsync((string)null!, cancellationToken),
            async () => await _client.GetAndExpireAsync((string)null!, Long, cancellationToken),
            async () => await _client.GetAndPersistAsync((string)null!, cancellationToken),
        };

        foreach (var call in calls)
        {
            await FluentActions.Awaiting(call).Should().ThrowAsync<ArgumentNullException>();
        }
    }

    [Test]
    public void Relative_times_are_whole_milliseconds_rounded_up()
    {
        Internal.ExpiryArguments.ToMilliseconds(TimeSpan.FromTicks(1)).Should().Be(1);
        Internal.ExpiryArguments.ToMilliseconds(TimeSpan.FromMilliseconds(1500)).Should().Be(1500);
        Internal.ExpiryArguments.ToMilliseconds(TimeSpan.FromTicks(15_001)).Should().Be(2);
        Internal.ExpiryArguments.ToMilliseconds(TimeSpan.Zero).Should().Be(0);
        Internal.ExpiryArguments.ToMilliseconds(TimeSpan.FromTicks(-15_001)).Should().Be(-1);
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Expiry_operations_allocate_nothing_but_their_results(CancellationToken cancellationToken)
    {
        await using var server = InProcessServer.Start(ClientTestServer.Options);
        await using var client = await KvClient.ConnectAsync(server.Address, cancellationToken);
        var key = "alloc:expiry"u8.ToArray();
        var value = new byte[32];
        var options = new KvSetOptions { Expiry = Long };

        await Task.Run(() => RunAsync(20_000), cancellationToken);
        const int Operations = 60_000;
        var before = GC.GetTotalAllocatedBytes(precise: true);
        await Task.Run(() => RunAsync(Operations), cancellationToken);
        var perOperation = (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)Operations;

        // SETX, EXPIRE, TTL and PERSIST results are structs and enums: nothing to allocate, client or server.
        TestContext.Out.WriteLine($"{perOperation:F1} bytes allocated per operation (SETX PX, EXPIRE GT, TTL, PERSIST; process-wide)");
        perOperation.Should().BeLessThan(8);

        async Task RunAsync(int count)
        {
            for (var i = 0; i < count; i += 4)
            {
                await client.SetAsync(key, value, options, cancellationToken);
                await client.ExpireAsync(key, Long, KvExpireCondition.IfLater, cancellationToken);
                await client.GetTimeToLiveAsync(key, cancellationToken);
                await client.PersistAsync(key, cancellationToken);
            }
        }
    }
}
