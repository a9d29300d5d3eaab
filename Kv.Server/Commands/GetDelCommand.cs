namespace Kv.Server.Commands;

/// <summary>
/// GETDEL key (version 1): Redis's <c>GETDEL</c>, which is exactly what version 1's CLEAR does (removes the key and
/// answers OK with its value, or NOT_FOUND; a full disk: ERROR WriteRefused), so it runs CLEAR's code under its own
/// number.
/// </summary>
internal static class GetDelCommand
{
    public static ServerCommand Definition { get; } = new(Kv.Protocol.CommandTable.GetDel, ClearCommand.Execute);
}
