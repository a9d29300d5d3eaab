namespace Kv.Protocol;

/// <summary>What one string argument of a command is, and so where a parsed view and the encoder put it.</summary>
public enum ArgumentRole
{
    /// <summary>The key the command acts on (<see cref="CommandView.Key"/>).</summary>
    Key,

    /// <summary>The value to store (<see cref="CommandView.Value"/>).</summary>
    Value,

    /// <summary>A message to echo, carried where a value goes (<see cref="CommandView.Value"/>).</summary>
    Message,
}
