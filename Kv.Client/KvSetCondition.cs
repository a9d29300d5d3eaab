namespace Kv.Client;

/// <summary>When a conditional SET (<see cref="KvSetOptions.Condition"/>) writes: Redis's <c>NX</c> and <c>XX</c>.</summary>
public enum KvSetCondition
{
    /// <summary>Write whether or not the key exists (a plain SET).</summary>
    Always = 0,

    /// <summary>Write only if the key does not exist (Redis's <c>NX</c>): first writer wins, as locks need.</summary>
    IfMissing = 1,

    /// <summary>Write only if the key exists (Redis's <c>XX</c>): update, never create.</summary>
    IfExists = 2,
}
