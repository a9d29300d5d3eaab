namespace Kv.Protocol.Tests;

/// <summary>
/// <see cref="CommandOptions.Validate"/>: every rule of docs/protocol.md's flags tables, each way; commands without
/// options always pass; and every message is one of a few short ASCII constants (the server encodes them on the stack).
/// </summary>
public class CommandOptionsTests
{
    private const long Time = 1_767_225_600_000;

    [TestCase(SetFlags.None, 0L)]
    [TestCase(SetFlags.IfMissing, 0L)]
    [TestCase(SetFlags.IfExists, 0L)]
    [TestCase(SetFlags.ReturnPrevious, 0L)]
    [TestCase(SetFlags.KeepTtl, 0L)]
    [TestCase(SetFlags.RelativeExpiry, 1L)]
    [TestCase(SetFlags.AbsoluteExpiry, 1L, Description = "a time long past is valid: the write removes the key")]
    [TestCase(SetFlags.RelativeExpiry, long.MaxValue)]
    [TestCase(SetFlags.IfMissing | SetFlags.ReturnPrevious | SetFlags.RelativeExpiry, 1000L, Description = "a lock that says who holds it")]
    [TestCase(SetFlags.IfExists | SetFlags.ReturnPrevious | SetFlags.KeepTtl, 0L)]
    [TestCase(SetFlags.IfExists | SetFlags.AbsoluteExpiry, Time)]
    public void Valid_SETX_options(SetFlags flags, long time) =>
        CommandOptions.Validate(CommandKind.SetX, (ushort)flags, time).Should().BeNull();

    [TestCase((SetFlags)0x0040, 0L, "SETX: unknown flag bits (known: 0x003f)")]
    [TestCase((SetFlags)0x8000 | SetFlags.IfMissing, 0L, "SETX: unknown flag bits (known: 0x003f)")]
    [TestCase(SetFlags.IfMissing | SetFlags.IfExists, 0L, "SETX: NX and XX cannot be combined")]
    [TestCase(SetFlags.RelativeExpiry | SetFlags.AbsoluteExpiry, 5L, "SETX: PX and PXAT cannot be combined")]
    [TestCase(SetFlags.KeepTtl | SetFlags.RelativeExpiry, 5L, "SETX: KEEPTTL cannot be combined with PX or PXAT")]
    [TestCase(SetFlags.KeepTtl | SetFlags.AbsoluteExpiry, 5L, "SETX: KEEPTTL cannot be combined with PX or PXAT")]
    [TestCase(SetFlags.RelativeExpiry, 0L, "SETX: PX and PXAT need a time above 0")]
    [TestCase(SetFlags.RelativeExpiry, -5L, "SETX: PX and PXAT need a time above 0")]
    [TestCase(SetFlags.AbsoluteExpiry, 0L, "SETX: PX and PXAT need a time above 0")]
    [TestCase(SetFlags.AbsoluteExpiry, long.MinValue, "SETX: PX and PXAT need a time above 0")]
    [TestCase(SetFlags.None, 5L, "SETX: a time needs PX or PXAT")]
    [TestCase(SetFlags.KeepTtl, -1L, "SETX: a time needs PX or PXAT")]
    public void Invalid_SETX_options(SetFlags flags, long time, string message) =>
        CommandOptions.Validate(CommandKind.SetX, (ushort)flags, time).Should().Be(message);

    [TestCase(ExpireFlags.RelativeExpiry, 60_000L)]
    [TestCase(ExpireFlags.AbsoluteExpiry, Time)]
    [TestCase(ExpireFlags.RelativeExpiry, 0L, Description = "a time at now removes the key")]
    [TestCase(ExpireFlags.RelativeExpiry, long.MinValue)]
    [TestCase(ExpireFlags.AbsoluteExpiry, -1L)]
    [TestCase(ExpireFlags.AbsoluteExpiry, long.MaxValue)]
    [TestCase(ExpireFlags.IfNoExpiry | ExpireFlags.RelativeExpiry, 1L)]
    [TestCase(ExpireFlags.IfHasExpiry | ExpireFlags.RelativeExpiry, 1L)]
    [TestCase(ExpireFlags.IfLater | ExpireFlags.AbsoluteExpiry, Time)]
    [TestCase(ExpireFlags.IfSooner | ExpireFlags.RelativeExpiry, 1L)]
    [TestCase(ExpireFlags.IfHasExpiry | ExpireFlags.IfLater | ExpireFlags.RelativeExpiry, 1L)]
    [TestCase(ExpireFlags.IfHasExpiry | ExpireFlags.IfSooner | ExpireFlags.AbsoluteExpiry, 1L)]
    public void Valid_EXPIRE_options(ExpireFlags flags, long time) =>
        CommandOptions.Validate(CommandKind.Expire, (ushort)flags, time).Should().BeNull();

    [TestCase((ExpireFlags)0x0040 | ExpireFlags.RelativeExpiry, "EXPIRE: unknown flag bits (known: 0x003f)")]
    [TestCase((ExpireFlags)0x0100 | ExpireFlags.AbsoluteExpiry, "EXPIRE: unknown flag bits (known: 0x003f)")]
    [TestCase(ExpireFlags.None, "EXPIRE: exactly one of relative (0x0010) and absolute (0x0020) is needed")]
    [TestCase(ExpireFlags.IfNoExpiry, "EXPIRE: exactly one of relative (0x0010) and absolute (0x0020) is needed")]
    [TestCase(ExpireFlags.RelativeExpiry | ExpireFlags.AbsoluteExpiry, "EXPIRE: exactly one of relative (0x0010) and absolute (0x0020) is needed")]
    [TestCase(ExpireFlags.IfNoExpiry | ExpireFlags.IfHasExpiry | ExpireFlags.RelativeExpiry, "EXPIRE: NX cannot be combined with XX, GT or LT")]
    [TestCase(ExpireFlags.IfNoExpiry | ExpireFlags.IfLater | ExpireFlags.RelativeExpiry, "EXPIRE: NX cannot be combined with XX, GT or LT")]
    [TestCase(ExpireFlags.IfNoExpiry | ExpireFlags.IfSooner | ExpireFlags.AbsoluteExpiry, "EXPIRE: NX cannot be combined with XX, GT or LT")]
    [TestCase(ExpireFlags.IfLater | ExpireFlags.IfSooner | ExpireFlags.RelativeExpiry, "EXPIRE: GT and LT cannot be combined")]
    public void Invalid_EXPIRE_options(ExpireFlags flags, string message)
    {
        foreach (var time in new[] { 0L, 1L, -1L, Time })
        {
            CommandOptions.Validate(CommandKind.Expire, (ushort)flags, time).Should().Be(message, "with time {0}", time);
        }
    }

    [TestCase(GetExFlags.None, 0L)]
    [TestCase(GetExFlags.RelativeExpiry, 1L)]
    [TestCase(GetExFlags.AbsoluteExpiry, 1L)]
    [TestCase(GetExFlags.AbsoluteExpiry, Time)]
    [TestCase(GetExFlags.Persist, 0L)]
    public void Valid_GETEX_options(GetExFlags flags, long time) =>
        CommandOptions.Validate(CommandKind.GetEx, (ushort)flags, time).Should().BeNull();

    [TestCase((GetExFlags)0x0001, 0L, "GETEX: unknown flag bits (known: 0x0070)")]
    [TestCase((GetExFlags)0x0080 | GetExFlags.Persist, 0L, "GETEX: unknown flag bits (known: 0x0070)")]
    [TestCase(GetExFlags.RelativeExpiry | GetExFlags.AbsoluteExpiry, 5L, "GETEX: PX, PXAT and PERSIST cannot be combined")]
    [TestCase(GetExFlags.RelativeExpiry | GetExFlags.Persist, 5L, "GETEX: PX, PXAT and PERSIST cannot be combined")]
    [TestCase(GetExFlags.AbsoluteExpiry | GetExFlags.Persist, 0L, "GETEX: PX, PXAT and PERSIST cannot be combined")]
    [TestCase(GetExFlags.RelativeExpiry, 0L, "GETEX: PX and PXAT need a time above 0")]
    [TestCase(GetExFlags.AbsoluteExpiry, -1L, "GETEX: PX and PXAT need a time above 0")]
    [TestCase(GetExFlags.Persist, 5L, "GETEX: a time needs PX or PXAT")]
    [TestCase(GetExFlags.None, -5L, "GETEX: a time needs PX or PXAT")]
    public void Invalid_GETEX_options(GetExFlags flags, long time, string message) =>
        CommandOptions.Validate(CommandKind.GetEx, (ushort)flags, time).Should().Be(message);

    [Test]
    public void Commands_without_options_have_nothing_to_judge()
    {
        foreach (var spec in CommandTable.All.Where(s => !s.HasFlags))
        {
            CommandOptions.IsValid(spec.Kind, 0, 0).Should().BeTrue("{0}", spec);
        }
    }

    [Test]
    public void Every_message_for_any_flags_and_time_is_one_of_a_few_short_ascii_constants()
    {
        var messages = new HashSet<string>();
        var disagreements = 0;
        foreach (var kind in new[] { CommandKind.SetX, CommandKind.Expire, CommandKind.GetEx })
        {
            for (var flags = 0; flags <= ushort.MaxValue; flags++)
            {
                foreach (var time in new[] { long.MinValue, -1L, 0L, 1L, long.MaxValue })
                {
                    var message = CommandOptions.Validate(kind, (ushort)flags, time);
                    disagreements += CommandOptions.IsValid(kind, (ushort)flags, time) == (message is null) ? 0 : 1;
                    if (message is not null)
                    {
                        messages.Add(message);
                    }
                }
            }
        }

        disagreements.Should().Be(0, "IsValid says what Validate says");
        messages.Should().HaveCount(14).And.OnlyContain(m => m.Length < 100 && m.All(c => c >= ' ' && c < 0x7f));
        messages.Should().OnlyContain(m => m.StartsWith("SETX: ") || m.StartsWith("EXPIRE: ") || m.StartsWith("GETEX: "), "a message names its command");
    }

    [Test]
    public void The_known_bits_are_those_the_enums_declare()
    {
        CommandOptions.KnownSetFlags.Should().Be((SetFlags)Enum.GetValues<SetFlags>().Aggregate(0, (all, f) => all | (ushort)f));
        CommandOptions.KnownExpireFlags.Should().Be((ExpireFlags)Enum.GetValues<ExpireFlags>().Aggregate(0, (all, f) => all | (ushort)f));
        CommandOptions.KnownGetExFlags.Should().Be((GetExFlags)Enum.GetValues<GetExFlags>().Aggregate(0, (all, f) => all | (ushort)f));
        ((ushort)CommandOptions.KnownSetFlags).Should().Be(0x003f);
        ((ushort)CommandOptions.KnownExpireFlags).Should().Be(0x003f);
        ((ushort)CommandOptions.KnownGetExFlags).Should().Be(0x0070);
    }
}
