namespace Kv.Server.Hosting;

/// <summary>
/// The default memory limits, from the memory this process may use: the machine's, or its container's (a cgroup
/// limit, which the runtime reads), or a heap limit set for the runtime. A default server so refuses writes (ERROR
/// OutOfMemory) before the kernel's OOM killer would end it, as Redis does not by default.
/// </summary>
public static class MemoryDefaults
{
    /// <summary>Kept out of the store's default share for the runtime itself (its code, heap and threads).</summary>
    public const long RuntimeReserve = 96L * 1024 * 1024;

    private const long MiB = 1024 * 1024;

    /// <summary>The memory available to the process: the container's limit where there is one, else the machine's.</summary>
    public static long Available => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>
    /// The store's default limit (<see cref="KvServerOptions.MaxMemory"/>): three quarters of what is available beyond
    /// <see cref="RuntimeReserve"/>, at least 16 MiB. With the client buffers' default an eighth, about a tenth is left
    /// for the store's own overhead beyond what it counts and for the runtime.
    /// </summary>
    public static long MaxMemory(long available) => Math.Max(16 * MiB, (available - RuntimeReserve) / 4 * 3);

    /// <summary>The client buffers' default budget (<see cref="KvServerOptions.MaxClientMemory"/>): an eighth of what is available, from 1 MiB to 1 GiB.</summary>
    public static long MaxClientMemory(long available) => Math.Clamp(available / 8, MiB, 1024 * MiB);
}
