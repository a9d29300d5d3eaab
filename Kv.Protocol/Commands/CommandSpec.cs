using System.Collections.Generic;

namespace Kv.Protocol;

/// <summary>
/// The wire declaration of one command: its number, its name, the arguments it carries in order, whether it changes
/// the store, and the first protocol version that has it. Parsers, encoders, servers and clients all read it from
/// <see cref="CommandTable"/>; nothing else says which arguments a command has.
/// </summary>
public sealed class CommandSpec
{
    private readonly int[] _smallestAfter;

    internal CommandSpec(CommandKind kind, string name, ArgumentRole[] arguments, bool isWrite, ProtocolVersion since)
    {
        Kind = kind;
        Name = name;
        Arguments = arguments;
        Roles = arguments;
        IsWrite = isWrite;
        Since = since;
        KeyIndex = System.Array.FindIndex(arguments, role => role is ArgumentRole.Key or ArgumentRole.User);
        ValueIndex = System.Array.FindIndex(arguments, role => role is ArgumentRole.Value or ArgumentRole.Message or ArgumentRole.Password);
        HasFlags = System.Array.IndexOf(arguments, ArgumentRole.Flags) >= 0;
        HasTime = System.Array.IndexOf(arguments, ArgumentRole.Time) >= 0;

        // The fewest bytes the arguments after each one can take (every string empty): how a receiver judges, as soon
        // as it has read one length prefix, whether the frame could still fit its limit.
        _smallestAfter = new int[arguments.Length];
        var smallest = 0;
        for (var i = arguments.Length - 1; i >= 0; i--)
        {
            _smallestAfter[i] = smallest;
            smallest += SmallestSize(arguments[i]);
        }

        FixedSize = smallest;
    }

    /// <summary>The command's number on the wire.</summary>
    public CommandKind Kind { get; }

    /// <summary>The command's name, as people and the docs write it (<c>GET</c>).</summary>
    public string Name { get; }

    /// <summary>The arguments the command carries, in wire order.</summary>
    public IReadOnlyList<ArgumentRole> Arguments { get; }

    /// <summary>True when the command can change the store (and so goes to the log).</summary>
    public bool IsWrite { get; }

    /// <summary>The first protocol version that has the command; later versions keep it.</summary>
    public ProtocolVersion Since { get; }

    /// <summary>True when the command carries a key (or AUTH's user name, carried in the key's place).</summary>
    public bool HasKey => KeyIndex >= 0;

    /// <summary>True when the command carries a value or a message (or AUTH's password, carried in the value's place).</summary>
    public bool HasValue => ValueIndex >= 0;

    /// <summary>True when the command carries option bits (<see cref="ArgumentRole.Flags"/>).</summary>
    public bool HasFlags { get; }

    /// <summary>True when the command carries a time (<see cref="ArgumentRole.Time"/>).</summary>
    public bool HasTime { get; }

    /// <summary>
    /// The bytes the arguments take besides the strings' own bytes: a length prefix per string, and the fixed-width
    /// arguments' sizes. The body of a version-1 request is this plus the key's and the value's lengths.
    /// </summary>
    public int FixedSize { get; }

    /// <summary>The arguments as an array: what the parser and the encoder walk, without an enumerator or an interface call.</summary>
    internal ArgumentRole[] Roles { get; }

    /// <summary>The position of the key (or user) among the arguments, or -1.</summary>
    internal int KeyIndex { get; }

    /// <summary>The position of the value, message (or password) among the arguments, or -1.</summary>
    internal int ValueIndex { get; }

    /// <inheritdoc />
    public override string ToString() => Name;

    /// <summary>The size of a fixed-width argument on the wire; 0 for a string, whose size is in its prefix.</summary>
    internal static int WidthOf(ArgumentRole role) => role switch
    {
        ArgumentRole.Flags => FrameFormat.FlagsSize,
        ArgumentRole.Time => FrameFormat.TimeSize,
        _ => 0,
    };

    /// <summary>The fewest bytes the arguments after position <paramref name="index"/> take.</summary>
    internal int SmallestAfter(int index) => _smallestAfter[index];

    private static int SmallestSize(ArgumentRole role) => WidthOf(role) switch
    {
        0 => FrameFormat.StringLengthSize,
        var width => width,
    };
}
