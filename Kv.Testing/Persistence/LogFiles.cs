using System.Text;
using Kv.Storage.Persistence;
using Kv.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kv.Testing.Persistence;

/// <summary>Helpers for persistence tests: temporary data directories, hand-made logs, and store contents.</summary>
public static class LogFiles
{
    private static readonly RecordReader<Dictionary<string, string>> Collect =
        static (key, value, _, map) => map[Convert.ToHexString(key)] = Convert.ToHexString(value);

    /// <summary>A new, empty directory under the system's temporary directory.</summary>
    public static string NewDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "kv-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Deletes a directory and what is in it; one still in use is left for the system to clean.</summary>
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

    /// <summary>The log's path in a data directory.</summary>
    public static string LogPath(string directory) => Path.Combine(directory, AppendOnlyLog.FileName);

    /// <summary>A valid log file header.</summary>
    public static byte[] Header()
    {
        var header = new byte[LogFormat.FileHeaderSize];
        LogFormat.WriteFileHeader(header);
        return header;
    }

    /// <summary>A SET record of the UTF-8 bytes of a key and a value.</summary>
    public static byte[] Set(string key, string value) => Set(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value));

    /// <summary>A SET record.</summary>
    public static byte[] Set(byte[] key, byte[] value)
    {
        var record = new byte[LogRecordWriter.SetLength(key.Length, value.Length)];
        LogRecordWriter.WriteSet(record, key, value);
        return record;
    }

    /// <summary>A CLEAR record of the UTF-8 bytes of a key.</summary>
    public static byte[] Clear(string key)
    {
        var bytes = Encoding.UTF8.GetBytes(key);
        var record = new byte[LogRecordWriter.ClearLength(bytes.Length)];
        LogRecordWriter.WriteClear(record, bytes);
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
        using var store = new MemoryStore();
        using var log = AppendOnlyLog.Open(new PersistenceOptions { DataDirectory = directory, CompactionRatio = 0 }, store, NullLogger.Instance);
        return (Contents(store), log.Replay);
    }
}
