using System.Text;
using Kv.Server.Persistence;
using Kv.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kv.Server.Tests.Persistence;

/// <summary>Helpers for persistence tests: temporary data directories, hand-made logs, and store contents.</summary>
internal static class LogFiles
{
    private static readonly RecordReader<Dictionary<string, string>> Collect =
        static (key, value, map) => map[Convert.ToHexString(key)] = Convert.ToHexString(value);

    public static string NewDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "kv-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    public static void DeleteDirectory(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static string LogPath(string directory) => Path.Combine(directory, AppendOnlyLog.FileName);

    public static byte[] Header()
    {
        var header = new byte[LogFormat.FileHeaderSize];
        LogFormat.WriteFileHeader(header);
        return header;
    }

    public static byte[] Set(string key, string value) => Set(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value));

    public static byte[] Set(byte[] key, byte[] value)
    {
        var record = new byte[LogRecordWriter.SetLength(key.Length, value.Length)];
        LogRecordWriter.WriteSet(record, key, value).Should().Be(record.Length);
        return record;
    }

    public static byte[] Clear(string key)
    {
        var bytes = Encoding.UTF8.GetBytes(key);
        var record = new byte[LogRecordWriter.ClearLength(bytes.Length)];
        LogRecordWriter.WriteClear(record, bytes).Should().Be(record.Length);
        return record;
    }

    /// <summary>The store's contents, keys and values as hex, for comparing whole states.</summary>
    public static Dictionary<string, string> Contents(MemoryStore store)
    {
        var map = new Dictionary<string, string>();
        for (var i = 0; i < store.StripeCount; i++)
        {
            store.ReadStripe(i, Collect, map);
        }

        return map;
    }

    /// <summary>A model's contents in the form of <see cref="Contents"/>.</summary>
    public static Dictionary<string, string> Contents(IReadOnlyDictionary<string, byte[]> model) =>
        model.ToDictionary(e => Convert.ToHexString(Encoding.UTF8.GetBytes(e.Key)), e => Convert.ToHexString(e.Value));

    /// <summary>Opens the log in <paramref name="directory"/> into a new store, as a restart does, and closes it.</summary>
    public static (Dictionary<string, string> Contents, ReplayResult Replay) Recover(string directory)
    {
        var store = new MemoryStore();
        using var log = AppendOnlyLog.Open(new PersistenceOptions { DataDirectory = directory, CompactionRatio = 0 }, store, NullLogger.Instance);
        return (Contents(store), log.Replay);
    }
}
