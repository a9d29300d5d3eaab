using System.Buffers.Binary;
using Kv.Storage.Hashing;

namespace Kv.Storage.Tests.Hashing;

/// <summary>
/// SipHash against published test vectors: key bytes 00..0f, and message n is the bytes 0, 1, ..., n - 1, for n from 0
/// to 63 (every tail length, up to seven whole blocks).
/// </summary>
public class SipHashTests
{
    private const ulong Key0 = 0x0706050403020100UL;
    private const ulong Key1 = 0x0f0e0d0c0b0a0908UL;

    // SipHash-2-4: the 64 vectors of the paper's reference implementation (vectors.h), as little-endian 64-bit values.
    private static readonly ulong[] Vectors24 =
    [
        0x726fdb47dd0e0e31, 0x74f839c593dc67fd, 0x0d6c8009d9a94f5a, 0x85676696d7fb7e2d,
        0xcf2794e0277187b7, 0x18765564cd99a68d, 0xcbc9466e58fee3ce, 0xab0200f58b01d137,
        0x93f5f5799a932462, 0x9e0082df0ba9e4b0, 0x7a5dbbc594ddb9f3, 0xf4b32f46226bada7,
        0x751e8fbc860ee5fb, 0x14ea5627c0843d90, 0xf723ca908e7af2ee, 0xa129ca6149be45e5,
        0x3f2acc7f57c29bdb, 0x699ae9f52cbe4794, 0x4bc1b3f0968dd39c, 0xbb6dc91da77961bd,
        0xbed65cf21aa2ee98, 0xd0f2cbb02e3b67c7, 0x93536795e3a33e88, 0xa80c038ccd5ccec8,
        0xb8ad50c6f649af94, 0xbce192de8a85b8ea, 0x17d835b85bbb15f3, 0x2f2e6163076bcfad,
        0xde4daaaca71dc9a5, 0xa6a2506687956571, 0xad87a3535c49ef28, 0x32d892fad841c342,
        0x7127512f72f27cce, 0xa7f32346f95978e3, 0x12e0b01abb051238, 0x15e034d40fa197ae,
        0x314dffbe0815a3b4, 0x027990f029623981, 0xcadcd4e59ef40c4d, 0x9abfd8766a33735c,
        0x0e3ea96b5304a7d0, 0xad0c42d6fc585992, 0x187306c89bc215a9, 0xd4a60abcf3792b95,
        0xf935451de4f21df2, 0xa9538f0419755787, 0xdb9acddff56ca510, 0xd06c98cd5c0975eb,
        0xe612a3cb9ecba951, 0xc766e62cfcadaf96, 0xee64435a9752fe72, 0xa192d576b245165a,
        0x0a8787bf8ecb74b2, 0x81b3e73d20b49b6f, 0x7fa8220ba3b2ecea, 0x245731c13ca42499,
        0xb78dbfaf3a8d83bd, 0xea1ad565322a1a0b, 0x60e61c23a3795013, 0x6606d7e446282b93,
        0x6ca4ecb15c5f91e1, 0x9f626da15c9625f3, 0xe51b38608ef25f57, 0x958a324ceb064572,
    ];

    // SipHash-1-3: the 64 vectors of Rust's core library tests (test_siphash_1_3), as the output's 8 bytes in order.
    private static readonly string[] Vectors13 =
    [
        "dcc40f055801acab", "93ca577df39bf4c9", "4dd4c74d029bcb82", "fbf7dde7b80af88b",
        "2883d388605775cf", "673b53492fd5f9de", "a7229fc5502b0dc5", "4011b19b987d92d3",
        "8e9a298d11959036", "e43d066cb38ea425", "7f09ff92ee85de79", "52c34df9c118c170",
        "a2d9b457b184a378", "a7ff29120c766f30", "345df9c011a15a60", "5699512a6dd820d3",
        "668b907d1add4fcc", "0cd8db639068f29c", "3ee673b49c38fc8f", "1c7d298de59d1ff2",
        "40e0cca6462fdcc0", "44f8452bfeab92b9", "2e8720a39b7bfe7f", "23c1e6da7f0e5a52",
        "8c9c3467b2ae64f4", "79095b702859cd45", "a51399cae3353e3a", "353bde4a4ec71da9",
        "0dd06cef02ed0bfb", "f4e1b14ab43cd988", "63e6c543d6110f54", "bcd1218c1fdd7023",
        "0db6a7166c7b1581", "bff98f7ae5b9544d", "3e752a1f78129f75", "916b18bfbea3a1ce",
        "0662a2add308f52c", "5730c3a32d1c10b6", "a1363aae9674f4b3", "9283107b54576b62",
        "3115e4993236d2c1", "44d91a3f92c17c66", "258813c8fe4f7065", "a64989c2d180f224",
        "6b87f8faed1ccac2", "9621049ffc4b16c2", "23d6b168939c6ea1", "fd14518b9c16fb49",
        "464c07dff843319f", "b386cc1224affdc6", "8f09520ad149af7e", "9a2f299d5513f31c",
        "121ff4a2dd304ac4", "d01ea74389e9fa36", "e6bcf0734cb38f31", "80e9a77036bf7aa2",
        "756d3c24dbc0bcb4", "1315b7fd52d8f823", "088a7da64d5f038f", "48f1e8b7e5d09cd8",
        "ee44a6f7bce6f4f6", "f237180fd89ac5ae", "e094664b15f6b2c3", "a8b3bbb76290199d",
    ];

    private static byte[] Message(int length) => Enumerable.Range(0, length).Select(i => (byte)i).ToArray();

    [Test]
    public void SipHash24_matches_the_reference_vectors([Range(0, 63)] int length) =>
        SipHash.Hash24(Key0, Key1, Message(length)).Should().Be(Vectors24[length]);

    [Test]
    public void SipHash13_matches_the_reference_vectors([Range(0, 63)] int length) =>
        SipHash.Hash13(Key0, Key1, Message(length)).Should().Be(BinaryPrimitives.ReadUInt64LittleEndian(Convert.FromHexString(Vectors13[length])));

    [Test]
    public void The_paper_example_hashes_to_its_published_value() =>
        SipHash.Hash24(Key0, Key1, Message(15)).Should().Be(0xa129ca6149be45e5UL);

    [Test]
    public void A_different_key_gives_a_different_hash()
    {
        var message = "some key"u8.ToArray();
        SipHash.Hash13(Key0, Key1, message).Should().NotBe(SipHash.Hash13(Key0 + 1, Key1, message));
        SipHash.Hash13(Key0, Key1, message).Should().NotBe(SipHash.Hash13(Key0, Key1 + 1, message));
    }

    [Test]
    public void The_store_hasher_keys_each_store_differently()
    {
        var key = "same key"u8.ToArray();
        new KeyHasher().Hash(key).Should().NotBe(new KeyHasher().Hash(key), "each hasher draws its own random key");
        new KeyHasher(Key0, Key1).Hash(key).Should().Be(SipHash.Hash13(Key0, Key1, key));
    }
}
