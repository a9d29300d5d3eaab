namespace Kv.Storage;

/// <summary>
/// The store refuses writes for now (<see cref="MemoryStore.RefuseWrites"/>): for example, its log cannot write to a full
/// disk, and a write it accepted could not be made durable. The write was not applied; reads go on, and writes are
/// accepted again once the cause has passed (<see cref="MemoryStore.AcceptWrites"/>).
/// </summary>
public sealed class StoreWriteRefusedException : Exception
{
    /// <summary>Creates the exception with a message that says why writes are refused.</summary>
    public StoreWriteRefusedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public StoreWriteRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a default message.</summary>
    public StoreWriteRefusedException()
        : base("The store refuses writes for now.")
    {
    }
}
