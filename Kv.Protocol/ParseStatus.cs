namespace Kv.Protocol;

/// <summary>The outcome of one parse attempt.</summary>
public enum ParseStatus
{
    /// <summary>A whole frame was parsed; the caller consumes the reported number of bytes.</summary>
    Complete,

    /// <summary>
    /// The input is a valid prefix of a frame, but not yet a whole one. Read more bytes and parse again from
    /// the same position. This is never an error and never yields a partial result.
    /// </summary>
    NeedMoreData,

    /// <summary>The input cannot be the start of a valid frame; the error says why.</summary>
    Invalid,
}
