using System.Buffers;
using System.Text;

namespace Kv.Client.Internal;

/// <summary>
/// A key, value or message as the caller gave it: UTF-8 text or raw bytes. Kept as given until the request is
/// encoded, so that a call that must first wait for a reconnection allocates nothing extra.
/// </summary>
internal readonly struct Argument
{
    private const int MaxCharsForWorstCaseRent = 1024 * 1024;

    private readonly string? _text;
    private readonly ReadOnlyMemory<byte> _bytes;

    public Argument(string text)
    {
        _text = text;
        _bytes = default;
    }

    public Argument(ReadOnlyMemory<byte> bytes)
    {
        _text = null;
        _bytes = bytes;
    }

    /// <summary>
    /// The argument's bytes: the caller's own for a bytes argument; for text, its UTF-8 encoding in an array rented
    /// into <paramref name="rented"/>, which the caller returns to <see cref="ArrayPool{T}.Shared"/>.
    /// </summary>
    public ReadOnlySpan<byte> GetBytes(ref byte[]? rented)
    {
        if (_text is null)
        {
            return _bytes.Span;
        }

        if (_text.Length == 0)
        {
            return default;
        }

        var size = _text.Length <= MaxCharsForWorstCaseRent ? Encoding.UTF8.GetMaxByteCount(_text.Length) : Encoding.UTF8.GetByteCount(_text);
        rented = ArrayPool<byte>.Shared.Rent(size);
        var written = Encoding.UTF8.GetBytes(_text, rented);
        return rented.AsSpan(0, written);
    }
}
