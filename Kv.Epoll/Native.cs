using System.Net;
using System.Runtime.InteropServices;

namespace Kv.Epoll;

/// <summary>
/// The Linux system calls Kv's event loops make: epoll, eventfd, and non-blocking socket reads and writes on raw file
/// descriptors, without the runtime's socket engine in between. Each returns the call's result; a negative one leaves the
/// error number in <see cref="Marshal.GetLastPInvokeError"/>.
/// </summary>
internal static unsafe partial class Native
{
    public const int EpollIn = 0x001;
    public const int EpollOut = 0x004;
    public const int EpollErr = 0x008;
    public const int EpollHup = 0x010;
    public const int EpollRdHup = 0x2000;

    public const int EAGAIN = 11;
    public const int EINTR = 4;
    public const int EMFILE = 24;
    public const int ENFILE = 23;
    public const int ENOBUFS = 105;
    public const int ENOMEM = 12;
    public const int ECONNABORTED = 103;
    public const int ECONNRESET = 104;
    public const int EPIPE = 32;

    private const int CloseOnExec = 0x80000;
    private const int NonBlocking = 0x800;
    private const int EpollCtlAdd = 1;
    private const int EpollCtlDel = 2;
    private const int EpollCtlMod = 3;
    private const int MsgNoSignal = 0x4000;
    private const int ShutWrite = 1;
    private const int IpProtoTcp = 6;
    private const int TcpNoDelay = 1;
    private const int SolSocket = 1;
    private const int SoKeepAlive = 9;
    private const int SoLinger = 13;
    private const int TcpKeepIdle = 4;
    private const int TcpKeepInterval = 5;
    private const int TcpKeepCount = 6;

    /// <summary>
    /// The size of <c>struct epoll_event</c>, and where its data field sits: the kernel packs it on x86-64 (12 bytes) and
    /// aligns it elsewhere (16).
    /// </summary>
    public static readonly int EpollEventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    private static readonly int EpollDataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    /// <summary>True where this event loop can run (Linux); elsewhere the server uses the runtime's sockets.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux();

    public static int LastError => Marshal.GetLastPInvokeError();

    public static int CreateEpoll() => epoll_create1(CloseOnExec);

    public static int CreateEventFd() => eventfd(0, CloseOnExec | NonBlocking);

    public static int Add(int epoll, int fd, int events, ulong data) => Control(epoll, EpollCtlAdd, fd, events, data);

    public static int Modify(int epoll, int fd, int events, ulong data) => Control(epoll, EpollCtlMod, fd, events, data);

    public static int Remove(int epoll, int fd) => Control(epoll, EpollCtlDel, fd, 0, 0);

    public static int Wait(int epoll, byte* events, int maxEvents, int timeoutMilliseconds) => epoll_wait(epoll, events, maxEvents, timeoutMilliseconds);

    public static int EventMask(byte* events, int index) => *(int*)(events + (index * EpollEventSize));

    public static ulong EventData(byte* events, int index) => *(ulong*)(events + (index * EpollEventSize) + EpollDataOffset);

    /// <summary>Accepts a connection as a non-blocking, close-on-exec descriptor; -1 with the error when none can be.</summary>
    public static int Accept(int listener) => accept4(listener, null, null, NonBlocking | CloseOnExec);

    public static long Receive(int fd, Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            return recv(fd, p, (nuint)buffer.Length, 0);
        }
    }

    /// <summary>Sends without SIGPIPE: a peer that left gives EPIPE instead of killing the process.</summary>
    public static long Send(int fd, ReadOnlySpan<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            return send(fd, p, (nuint)buffer.Length, MsgNoSignal);
        }
    }

    public static void ShutdownWrite(int fd) => _ = shutdown(fd, ShutWrite);

    public static void Close(int fd) => _ = close(fd);

    /// <summary>Wakes an event loop blocked in epoll_wait on this eventfd.</summary>
    public static void Signal(int eventFd)
    {
        ulong one = 1;
        _ = write(eventFd, &one, sizeof(ulong));
    }

    /// <summary>Clears an eventfd's count.</summary>
    public static void Drain(int eventFd)
    {
        ulong count;
        _ = read(eventFd, &count, sizeof(ulong));
    }

    public static void SetNoDelay(int fd) => SetInt(fd, IpProtoTcp, TcpNoDelay, 1);

    /// <summary>Makes the next close abortive: the peer gets a reset, not an orderly end of stream.</summary>
    public static void SetAbortiveClose(int fd)
    {
        var linger = stackalloc int[2];
        linger[0] = 1;
        linger[1] = 0;
        _ = setsockopt(fd, SolSocket, SoLinger, linger, 2 * sizeof(int));
    }

    /// <summary>TCP keepalive: probes after <paramref name="idleSeconds"/> of silence, every interval, dropped after count.</summary>
    public static void SetKeepAlive(int fd, int idleSeconds, int intervalSeconds, int probes)
    {
        SetInt(fd, SolSocket, SoKeepAlive, 1);
        SetInt(fd, IpProtoTcp, TcpKeepIdle, idleSeconds);
        SetInt(fd, IpProtoTcp, TcpKeepInterval, intervalSeconds);
        SetInt(fd, IpProtoTcp, TcpKeepCount, probes);
    }

    /// <summary>The peer's address, for logs; null if it cannot be read.</summary>
    public static IPEndPoint? PeerAddress(int fd)
    {
        var address = stackalloc byte[128];
        var length = 128u;
        if (getpeername(fd, address, &length) != 0)
        {
            return null;
        }

        var family = *(ushort*)address;
        var port = (address[2] << 8) | address[3];
        return family switch
        {
            2 => new IPEndPoint(new IPAddress(new ReadOnlySpan<byte>(address + 4, 4)), port),
            10 => new IPEndPoint(new IPAddress(new ReadOnlySpan<byte>(address + 8, 16)), port),
            _ => null,
        };
    }

    private static void SetInt(int fd, int level, int name, int value) => _ = setsockopt(fd, level, name, &value, sizeof(int));

    private static int Control(int epoll, int operation, int fd, int events, ulong data)
    {
        var ev = stackalloc byte[16];
        *(int*)ev = events;
        *(ulong*)(ev + EpollDataOffset) = data;
        return epoll_ctl(epoll, operation, fd, ev);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_ctl(int epoll, int operation, int fd, byte* ev);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_wait(int epoll, byte* events, int maxEvents, int timeout);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int eventfd(uint initial, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int accept4(int fd, byte* address, uint* length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint recv(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint send(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint read(int fd, void* buffer, nuint length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint write(int fd, void* buffer, nuint length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int shutdown(int fd, int how);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setsockopt(int fd, int level, int name, void* value, uint length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getpeername(int fd, byte* address, uint* length);
}
