using System.Buffers.Binary;
using System.Text;
using Kv.Storage.Persistence;

namespace Kv.Storage.Tests.Persistence;

public class LogRecordTests
{
    [TestCase("k", "v")]
    [TestCase("", "")]
    [TestCase("key", "")]
    [TestCase("", "value")]
    public void A_set_round_trips(string key, string value)
    {
        var record = LogFiles.Set(key, value);
        LogRecordReader.TryRead(record, out var read, out var length).Should().Be(LogReadStatus.Complete);
        length.Should().Be(record.Length);
        read.Operation.Should().Be(LogOperation.Set);
        Encoding.UTF8.GetString(read.Key).Should().Be(key);
        Encoding.UTF8.GetString(read.Value).Should().Be(value);
    }

    [Test]
    public void Binary_and_large_keys_and_values_round_trip([Values(0, 127, 128, 16_383, 16_384, 300_000)] int size)
    {
        var random = new Random(size);
        var key = new byte[Math.Min(size, 1000)];
        var value = new byte[size];
        random.NextBytes(key);
        random.NextBytes(value);
        var record = LogFiles.Set(key, value);
        LogRecordReader.TryRead(record, out var read, out _).Should().Be(LogReadStatus.Complete);
        read.Key.ToArray().Should().Equal(key);
        read.Value.ToArray().Should().Equal(value);
    }

    [Test]
    public void A_clear_round_trips()
    {
        var record = LogFiles.Clear("gone");
        LogRecordReader.TryRead(record, out var read, out var length).Should().Be(LogReadStatus.Complete);
        length.Should().Be(record.Length);
        read.Operation.Should().Be(LogOperation.Clear);
        Encoding.UTF8.GetString(read.Key).Should().Be("gone");
        read.Value.IsEmpty.Should().BeTrue();
    }

    [Test]
    public void The_layout_is_the_documented_one()
    {
        // docs/persistence.md: u32 length, u32 crc32c(length bytes), u32 crc32c(payload), then op, varint, key, varint, value.
        var record = LogFiles.Set("k", "v");
        record.Should().HaveCount(12 + 5);
        BinaryPrimitives.ReadUInt32LittleEndian(record).Should().Be(5u);
        BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(4)).Should().Be(LogFormat.Checksum(record.AsSpan(0, 4)));
        BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(8)).Should().Be(LogFormat.Checksum(record.AsSpan(12)));
        record.AsSpan(12).ToArray().Should().Equal(0x01, 0x01, (byte)'k', 0x01, (byte)'v');
        Convert.ToHexString(LogFiles.Header()).Should().StartWith("4B764C6F670D0A1A02000000");
    }

    [Test]
    public void The_examples_of_docs_persistence_md_are_byte_exact()
    {
        Convert.ToHexString(LogFiles.Header()).Should().BeEquivalentTo("4b764c6f670d0a1a020000004c095b36");
        Convert.ToHexString(LogFiles.Set("k", "v")).Should().BeEquivalentTo("05000000" + "8cd000ee" + "c81de310" + "01016b0176");
        Convert.ToHexString(LogFiles.Clear("k")).Should().BeEquivalentTo("03000000" + "fec2452a" + "5951e6c4" + "02016b");
        Convert.ToHexString(Encode(LogRecordWriter.SetLength(1, 1, NewYear2026), d => LogRecordWriter.WriteSet(d, "k"u8, "v"u8, NewYear2026)))
            .Should().BeEquivalentTo("0d000000" + "6ab34418" + "3dee88e4" + "03016b0176" + "00a8da769b010000");
        Convert.ToHexString(Encode(LogRecordWriter.ExpireLength(1), d => LogRecordWriter.WriteExpire(d, "k"u8, NewYear2026)))
            .Should().BeEquivalentTo("0b000000" + "18a101dc" + "92d45cfb" + "04016b" + "00a8da769b010000");
        Convert.ToHexString(Encode(LogRecordWriter.ExpireLength(1), d => LogRecordWriter.WriteExpire(d, "k"u8, 0)))
            .Should().BeEquivalentTo("0b000000" + "18a101dc" + "361f91ad" + "04016b" + "0000000000000000");
    }

    [Test]
    public void Expiry_records_read_back()
    {
        var set = Encode(LogRecordWriter.SetLength(3, 5, NewYear2026), d => LogRecordWriter.WriteSet(d, "key"u8, "value"u8, NewYear2026));
        LogRecordReader.TryRead(set, out var read, out _).Should().Be(LogReadStatus.Complete);
        read.Operation.Should().Be(LogOperation.SetExpiring);
        Encoding.UTF8.GetString(read.Value).Should().Be("value");
        read.ExpiresAt.Should().Be(NewYear2026);
        var persist = Encode(LogRecordWriter.ExpireLength(3), d => LogRecordWriter.WriteExpire(d, "key"u8, 0));
        LogRecordReader.TryRead(persist, out read, out _).Should().Be(LogReadStatus.Complete);
        read.Operation.Should().Be(LogOperation.Expire);
        read.ExpiresAt.Should().Be(0);
    }

    private const long NewYear2026 = 1767225600000;

    private delegate int RecordEncoder(Span<byte> destination);

    private static byte[] Encode(int length, RecordEncoder encode)
    {
        var record = new byte[length];
        encode(record).Should().Be(length);
        return record;
    }

    [Test]
    public void Crc32c_is_the_castagnoli_checksum() =>
        LogFormat.Checksum("123456789"u8).Should().Be(0xE3069283u);

    [Test]
    public void Every_prefix_of_a_record_needs_more_data()
    {
        var record = LogFiles.Set("key", "value");
        for (var length = 0; length < record.Length; length++)
        {
            LogRecordReader.TryRead(record.AsSpan(0, length), out _, out var needed).Should().Be(LogReadStatus.NeedMoreData);
            needed.Should().Be(length < LogFormat.RecordHeaderSize ? LogFormat.RecordHeaderSize : record.Length);
        }
    }

    [Test]
    public void Every_flipped_bit_is_detected()
    {
        var record = LogFiles.Set("key", "value");
        for (var bit = 0; bit < record.Length * 8; bit++)
        {
            var damaged = (byte[])record.Clone();
            damaged[bit / 8] ^= (byte)(1 << (bit % 8));
            var status = LogRecordReader.TryRead(damaged, out _, out _);
            status.Should().Be(bit < 64 ? LogReadStatus.BadHeader : LogReadStatus.BadChecksum, "bit {0} is flipped", bit);
        }
    }

    [Test]
    public void A_record_whose_checksums_hold_but_whose_body_is_not_a_record_is_malformed()
    {
        foreach (var payload in new byte[][] { [9, 0], [1, 5, 1], [2, 1, 0x41, 0], [1, 0x80, 0x80, 0x80, 0x80, 0x80] })
        {
            var record = new byte[12 + payload.Length];
            payload.CopyTo(record, 12);
            BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)payload.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), LogFormat.Checksum(record.AsSpan(0, 4)));
            BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(8), LogFormat.Checksum(payload));
            LogRecordReader.TryRead(record, out _, out _).Should().Be(LogReadStatus.Malformed);
        }
    }

    [Test]
    public void The_file_header_is_checked()
    {
        LogRecordReader.CheckFileHeader(LogFiles.Header()).Should().BeNull();
        LogRecordReader.CheckFileHeader(LogFiles.Header().AsSpan(0, 10)).Should().Contain("shorter");
        var notKv = LogFiles.Header();
        notKv[0] = (byte)'R';
        LogRecordReader.CheckFileHeader(notKv).Should().Contain("not a Kv log");
        var newer = LogFiles.Header();
        BinaryPrimitives.WriteUInt32LittleEndian(newer.AsSpan(8), 3);
        BinaryPrimitives.WriteUInt32LittleEndian(newer.AsSpan(12), LogFormat.Checksum(newer.AsSpan(0, 12)));
        LogRecordReader.CheckFileHeader(newer).Should().Contain("version 3");
        var older = LogFiles.Header();
        BinaryPrimitives.WriteUInt32LittleEndian(older.AsSpan(8), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(older.AsSpan(12), LogFormat.Checksum(older.AsSpan(0, 12)));
        LogRecordReader.CheckFileHeader(older).Should().BeNull("a version-1 log is read as it is");
    }
}
