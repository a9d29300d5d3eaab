using System.Collections.Generic;

namespace Kv.Protocol;

/// <summary>
/// The wire declaration of one command: its number, its name, the string arguments it carries in order, whether it
/// changes the store, and the first protocol version that has it. Parsers, encoders, servers and clients all read it
/// from <see cref="CommandTable"/>; nothing else says how many arguments a command has.
/// </summary>
public sealed class CommandSpec
{
    internal CommandSpec(CommandKind kind, string name, ArgumentRole[] arguments, bool isWrite, ProtocolVersion since)
    {
        Kind = kind;
        Name = name;
        Arguments = arguments;
        IsWrite = isWrite;
        Since = since;
        KeyIndex = System.Array.IndexOf(arguments, ArgumentRole.Key);
        ValueIndex = System.Array.FindIndex(arguments, role => role != ArgumentRole.Key);
    }

    /// <summary>The command's number on the wire.</summary>
    public CommandKind Kind { get; }

    /// <summary>The command's name, as people and the docs write it (<c>GET</c>).</summary>
    public string Name { get; }

    /// <summary>The string arguments the command carries, in wire order.</summary>
    public IReadOnlyList<ArgumentRole> Arguments { get; }

    /// <summary>True when the command can change the store (and so goes to the log).</summary>
    public bool IsWrite { get; }

    /// <summary>The first protocol version that has the command; later versions keep it.</summary>
    public ProtocolVersion Since { get; }

    /// <summary>True when the command carries a key.</summary>
    public bool HasKey => KeyIndex >= 0;

    /// <summary>True when the command carries a value or a message.</summary>
    public bool HasValue => ValueIndex >= 0;

    /// <summary>The position of the key among the arguments, or -1.</summary>
    internal int KeyIndex { get; }

    /// <summary>The position of the value or message among the arguments, or -1.</summary>
    internal int ValueIndex { get; }

    /// <inheritdoc />
    public override string ToString() => Name;
}
