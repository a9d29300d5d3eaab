namespace Kv.Storage;

/// <summary>
/// Receives a stored value while the store holds it steady (under its stripe's lock). The span points into the store's
/// native memory and is valid only during the call: copy what you need (the server encodes it straight into the
/// connection's send buffer). Must not keep the span, and must not call back into the store.
/// </summary>
public delegate void ValueReader<in TState>(ReadOnlySpan<byte> value, TState state);

/// <summary>
/// Receives one stored record while its stripe is locked; the spans point into the store's native memory and are valid
/// only during the call. <paramref name="expiresAt"/> is the key's expiry in Unix milliseconds, or 0 when it has none.
/// </summary>
public delegate void RecordReader<in TState>(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, long expiresAt, TState state);
