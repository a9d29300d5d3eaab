namespace Kv.Client;

/// <summary>
/// What a SET with <see cref="KvSetOptions"/> did. A write whose condition did not hold is not an error: it answers
/// <see cref="Applied"/> false.
/// </summary>
/// <param name="Applied">
/// True when the value was written (with the expiry asked for); false when the condition
/// (<see cref="KvSetOptions.Condition"/>) did not hold and nothing changed.
/// </param>
/// <param name="KeyExisted">True when the key existed before the request (an expired key does not).</param>
public readonly record struct KvSetResult(bool Applied, bool KeyExisted);

/// <summary>
/// What a SET that also returned the previous value (<see cref="KvClient.GetAndSetAsync(string, string, KvSetOptions, CancellationToken)"/>,
/// Redis's <c>SET ... GET</c>) did, and that value.
/// </summary>
/// <typeparam name="TValue"><see cref="string"/> or <see cref="T:byte[]"/>, as the call's overload.</typeparam>
/// <param name="Applied">
/// True when the value was written; false when the condition (<see cref="KvSetOptions.Condition"/>) did not hold and
/// nothing changed.
/// </param>
/// <param name="KeyExisted">True when the key existed before the request (an expired key does not).</param>
/// <param name="PreviousValue">
/// The value the key held before the request, whether or not the write applied; null exactly when
/// <paramref name="KeyExisted"/> is false (an empty value is <c>""</c> or an empty array, not null).
/// </param>
public readonly record struct KvSetResult<TValue>(bool Applied, bool KeyExisted, TValue? PreviousValue)
    where TValue : class;
