namespace Kv.Server.Storage;

/// <summary>
/// Receives a stored value while the store holds it steady. The span is valid only during the call: copy what you
/// need (the server encodes it straight into the connection's send buffer). Must not call back into the store.
/// </summary>
public delegate void ValueReader<in TState>(ReadOnlySpan<byte> value, TState state);
