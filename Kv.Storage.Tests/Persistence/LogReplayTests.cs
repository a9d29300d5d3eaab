using Kv.Storage.Persistence;

namespace Kv.Storage.Tests.Persistence;

/// <summary>Replaying hand-made logs: clean ones, torn tails at every byte, and damage in the middle.</summary>
public class LogReplayTests
{
    private string _directory = null!;

    [SetUp]
    public void SetUp() => _directory = LogFiles.NewDirectory();

    [TearDown]
    public void TearDown() => LogFiles.DeleteDirectory(_directory);

    private static IEnumerable<byte[]> Records() =>
    [
        LogFiles.Set("a", "1"),
        LogFiles.Set("b", "2"),
        LogFiles.Set("a", "3"),
        LogFiles.Clear("b"),
        LogFiles.Set("c", new string('x', 300)),
    ];

    private static Dictionary<string, byte[]> Model() => new()
    {
        ["a"] = "3"u8.ToArray(),
        ["c"] = System.Text.Encoding.UTF8.GetBytes(new string('x', 300)),
    };

    [Test]
    public void A_clean_log_replays_every_record()
    {
        Write(Records());
        var (contents, replay) = LogFiles.Recover(_directory);
        contents.Should().BeEquivalentTo(LogFiles.Contents(Model()));
        replay.Records.Should().Be(5);
        replay.TornBytes.Should().Be(0);
    }

    [Test]
    public void A_new_directory_gets_an_empty_log_and_a_reopened_one_replays_nothing()
    {
        var (contents, replay) = LogFiles.Recover(_directory);
        contents.Should().BeEmpty();
        replay.Records.Should().Be(0);
        File.ReadAllBytes(LogFiles.LogPath(_directory)).Should().Equal(LogFiles.Header());
        LogFiles.Recover(_directory).Contents.Should().BeEmpty();
    }

    [TestCase(false)]
    [TestCase(true)]
    public void A_log_torn_at_every_byte_of_its_last_record_replays_the_records_before_it_and_is_truncated(bool lastIsClear)
    {
        var records = Records().ToList();
        var expected = Model();
        if (lastIsClear)
        {
            records.Add(LogFiles.Clear("a"));
        }
        else
        {
            records.Add(LogFiles.Set("a", "torn"));
        }

        var whole = Concat(records);
        var lastStart = whole.Length - records[^1].Length;
        for (var cut = lastStart; cut < whole.Length; cut++)
        {
            foreach (var zeroFill in new[] { 0, 7, 5000 })
            {
                // A crash leaves a prefix of the last write, sometimes followed by zeros (blocks allocated, never written).
                File.WriteAllBytes(LogFiles.LogPath(_directory), [.. whole.AsSpan(0, cut), .. new byte[zeroFill]]);
                var (contents, replay) = LogFiles.Recover(_directory);
                contents.Should().BeEquivalentTo(LogFiles.Contents(expected), "the log is cut at {0} with {1} zeros after", cut, zeroFill);
                replay.Records.Should().Be(records.Count - 1);
                replay.ValidLength.Should().Be(lastStart);
                replay.TornBytes.Should().Be(cut - lastStart + zeroFill);
                new FileInfo(LogFiles.LogPath(_directory)).Length.Should().Be(lastStart, "the torn tail is truncated");
            }
        }
    }

    [Test]
    public void Appending_after_a_truncated_tail_goes_on_from_the_last_whole_record()
    {
        var whole = Concat(Records());
        File.WriteAllBytes(LogFiles.LogPath(_directory), whole.AsSpan(0, whole.Length - 3).ToArray());
        var store = new Kv.Storage.MemoryStore();
        using (var log = AppendOnlyLog.Open(new PersistenceOptions { DataDirectory = _directory, Fsync = FsyncPolicy.Always }, store, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance))
        {
            store.Set("d"u8, "4"u8);
        }

        var model = Model();
        model.Remove("c");
        model["d"] = "4"u8.ToArray();
        LogFiles.Recover(_directory).Contents.Should().BeEquivalentTo(LogFiles.Contents(model));
    }

    [Test]
    public void A_flipped_bit_in_any_record_but_the_last_refuses_the_start_naming_the_file_the_offset_and_the_recovery()
    {
        var records = Records().ToList();
        var whole = Concat(records);
        var start = LogFormat.FileHeaderSize;
        for (var index = 0; index < records.Count - 1; index++)
        {
            for (var bit = 0; bit < records[index].Length * 8; bit++)
            {
                var damaged = (byte[])whole.Clone();
                damaged[start + (bit / 8)] ^= (byte)(1 << (bit % 8));
                File.WriteAllBytes(LogFiles.LogPath(_directory), damaged);
                var recover = () => LogFiles.Recover(_directory);
                var error = recover.Should().Throw<LogCorruptionException>("bit {0} of record {1} is flipped", bit, index).Which;
                error.Offset.Should().Be(start);
                error.FilePath.Should().Be(LogFiles.LogPath(_directory));
                error.Message.Should().Contain($"offset {start}").And.Contain(LogFiles.LogPath(_directory))
                    .And.Contain($"truncate -s {start}").And.Contain("backup");
                File.ReadAllBytes(LogFiles.LogPath(_directory)).Should().Equal(damaged, "a refused log is left as it was");
            }

            start += records[index].Length;
        }
    }

    [Test]
    public void A_flipped_bit_in_the_last_record_cannot_be_told_from_a_torn_write_and_drops_only_that_record()
    {
        var records = Records().ToList();
        var whole = Concat(records);
        var lastStart = whole.Length - records[^1].Length;
        var damaged = (byte[])whole.Clone();
        damaged[^10] ^= 0x04;
        File.WriteAllBytes(LogFiles.LogPath(_directory), damaged);
        var (contents, replay) = LogFiles.Recover(_directory);
        replay.ValidLength.Should().Be(lastStart);
        contents.Should().NotContainKey(Convert.ToHexString("c"u8), "a damaged value is never served");
    }

    [Test]
    public void Garbage_after_a_bad_record_with_no_valid_record_in_it_is_a_torn_tail()
    {
        var whole = Concat(Records());
        var garbage = new byte[3000];
        new Random(7).NextBytes(garbage);
        File.WriteAllBytes(LogFiles.LogPath(_directory), [.. whole, .. garbage]);
        LogFiles.Recover(_directory).Replay.ValidLength.Should().Be(whole.Length);
    }

    [Test]
    public void A_record_with_sound_checksums_that_Kv_cannot_have_written_refuses_the_start()
    {
        var bad = LogFiles.Set("a", "1");
        bad[12] = 7; // an unknown operation
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bad.AsSpan(8), LogFormat.Checksum(bad.AsSpan(12)));
        Write([LogFiles.Set("x", "y"), bad]);
        var recover = () => LogFiles.Recover(_directory);
        recover.Should().Throw<LogCorruptionException>().Which.Offset.Should().Be(LogFormat.FileHeaderSize + LogFiles.Set("x", "y").Length);
    }

    [TestCase(new byte[0])]
    [TestCase(new byte[] { 0x4B, 0x76 })]
    [TestCase(new byte[] { 0x52, 0x45, 0x44, 0x49, 0x53, 0x30, 0x30, 0x31, 0, 0, 0, 0, 0, 0, 0, 0 })]
    public void A_file_that_is_not_a_Kv_log_refuses_the_start(byte[] content)
    {
        File.WriteAllBytes(LogFiles.LogPath(_directory), content);
        var recover = () => LogFiles.Recover(_directory);
        recover.Should().Throw<LogCorruptionException>().WithMessage($"*{LogFiles.LogPath(_directory)}*");
    }

    [Test]
    public void Records_larger_than_the_replay_buffer_replay()
    {
        var big = new byte[3 * 1024 * 1024 + 17];
        new Random(3).NextBytes(big);
        Write([LogFiles.Set("a"u8.ToArray(), big), LogFiles.Set("b", "2")]);
        var (contents, replay) = LogFiles.Recover(_directory);
        replay.Records.Should().Be(2);
        contents[Convert.ToHexString("a"u8)].Should().Be(Convert.ToHexString(big));
    }

    private void Write(IEnumerable<byte[]> records) => File.WriteAllBytes(LogFiles.LogPath(_directory), Concat(records));

    private static byte[] Concat(IEnumerable<byte[]> records) => [.. LogFiles.Header(), .. records.SelectMany(r => r)];
}
