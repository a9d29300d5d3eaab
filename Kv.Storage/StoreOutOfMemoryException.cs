using System.Globalization;
using Kv.Storage.Memory;

namespace Kv.Storage;

/// <summary>
/// A write needed memory that the store could not have: its <see cref="MemoryStoreOptions.MemoryLimit"/> was reached, or
/// the system refused. The write was not applied, and the store is exactly as it was before it; reads, removals and
/// writes that need no new memory go on working.
/// </summary>
public sealed class StoreOutOfMemoryException : Exception
{
    /// <summary>Creates the exception with a message that says what was refused.</summary>
    public StoreOutOfMemoryException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public StoreOutOfMemoryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a default message.</summary>
    public StoreOutOfMemoryException()
        : base("The store is out of memory.")
    {
    }

    internal static StoreOutOfMemoryException For(NativeMemoryPool pool, long bytes)
    {
        var held = pool.AllocatedBytes;
        var message = pool.Limit > 0 && held + bytes > pool.Limit
            ? string.Create(CultureInfo.InvariantCulture, $"out of memory: the store holds {held:N0} bytes of its {pool.Limit:N0}-byte limit and needs {bytes:N0} more")
            : string.Create(CultureInfo.InvariantCulture, $"out of memory: the system refused {bytes:N0} bytes to the store (it holds {held:N0})");
        return new StoreOutOfMemoryException(message);
    }
}
