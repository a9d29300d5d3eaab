namespace Kv.Storage;

/// <summary>When a conditional write applies.</summary>
public enum SetCondition : byte
{
    /// <summary>Always (a plain SET).</summary>
    Always = 0,

    /// <summary>Only when the key does not exist (Redis's NX: locks, first-writer-wins).</summary>
    IfMissing = 1,

    /// <summary>Only when the key exists (Redis's XX).</summary>
    IfExists = 2,
}
