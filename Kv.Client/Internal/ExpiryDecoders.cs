using System.Text;
using Kv.Protocol;

namespace Kv.Client.Internal;

/// <summary>SETX without GET: what the write did (<see cref="ReplyFormat.TryReadSetReply"/>).</summary>
internal readonly struct SetResultDecoder : IResponseDecoder<KvSetResult>
{
    public static KvSetResult Decode(ResponseStatus status, ReadOnlySpan<byte> payload)
    {
        var flags = ExpiryReplies.ReadSetReply(status, payload, out _);
        return new KvSetResult((flags & SetReplyFlags.Applied) != 0, (flags & SetReplyFlags.Existed) != 0);
    }
}

/// <summary>SETX with GET, as text: what the write did, and the previous value decoded as UTF-8.</summary>
internal readonly struct SetAndGetStringDecoder : IResponseDecoder<KvSetResult<string>>
{
    public static KvSetResult<string> Decode(ResponseStatus status, ReadOnlySpan<byte> payload)
    {
        var flags = ExpiryReplies.ReadSetReply(status, payload, out var previous);
        var existed = (flags & SetReplyFlags.Existed) != 0;
        return new KvSetResult<string>((flags & SetReplyFlags.Applied) != 0, existed, existed ? Encoding.UTF8.GetString(previous) : null);
    }
}

/// <summary>SETX with GET, as bytes: what the write did, and a copy of the previous value.</summary>
internal readonly struct SetAndGetBytesDecoder : IResponseDecoder<KvSetResult<byte[]>>
{
    public static KvSetResult<byte[]> Decode(ResponseStatus status, ReadOnlySpan<byte> payload)
    {
        var flags = ExpiryReplies.ReadSetReply(status, payload, out var previous);
        var existed = (flags & SetReplyFlags.Existed) != 0;
        return new KvSetResult<byte[]>((flags & SetReplyFlags.Applied) != 0, existed, existed ? previous.ToArray() : null);
    }
}

/// <summary>EXPIRE: OK 1 applied, OK 0 not applied, NOT_FOUND no such key.</summary>
internal readonly struct ExpireResultDecoder : IResponseDecoder<KvExpireResult>
{
    public static KvExpireResult Decode(ResponseStatus status, ReadOnlySpan<byte> payload) =>
        status == ResponseStatus.NotFound ? KvExpireResult.KeyMissing
        : ExpiryReplies.ReadApplied(CommandKind.Expire, payload) ? KvExpireResult.Applied : KvExpireResult.NotApplied;
}

/// <summary>PERSIST: OK 1 expiry removed, OK 0 none to remove, NOT_FOUND no such key.</summary>
internal readonly struct PersistResultDecoder : IResponseDecoder<KvPersistResult>
{
    public static KvPersistResult Decode(ResponseStatus status, ReadOnlySpan<byte> payload) =>
        status == ResponseStatus.NotFound ? KvPersistResult.KeyMissing
        : ExpiryReplies.ReadApplied(CommandKind.Persist, payload) ? KvPersistResult.ExpiryRemoved : KvPersistResult.NoExpiry;
}

/// <summary>TTL: OK with the milliseconds left or -1 for no expiry, NOT_FOUND no such key.</summary>
internal readonly struct TimeToLiveDecoder : IResponseDecoder<KvTimeToLive>
{
    public static KvTimeToLive Decode(ResponseStatus status, ReadOnlySpan<byte> payload)
    {
        if (status == ResponseStatus.NotFound)
        {
            return KvTimeToLive.KeyMissing;
        }

        if (!ReplyFormat.TryReadTimeToLive(payload, out var milliseconds))
        {
            throw ExpiryReplies.Malformed(CommandKind.Ttl, payload.Length);
        }

        return milliseconds == ReplyFormat.NoExpiry ? KvTimeToLive.NoExpiry : KvTimeToLive.ExpiresIn(TimeSpan.FromMilliseconds(milliseconds));
    }
}

/// <summary>The readers shared by the decoders above; a body that is not of its command's layout fails the request.</summary>
internal static class ExpiryReplies
{
    public static SetReplyFlags ReadSetReply(ResponseStatus status, ReadOnlySpan<byte> payload, out ReadOnlySpan<byte> previousValue)
    {
        if (status != ResponseStatus.Ok || !ReplyFormat.TryReadSetReply(payload, out var flags, out previousValue))
        {
            throw Malformed(CommandKind.SetX, payload.Length);
        }

        return flags;
    }

    public static bool ReadApplied(CommandKind kind, ReadOnlySpan<byte> payload) =>
        ReplyFormat.TryReadApplied(payload, out var applied) ? applied : throw Malformed(kind, payload.Length);

    public static KvProtocolException Malformed(CommandKind kind, int length) =>
        new($"The Kv server answered a {kind} request with a body of {length} bytes that is not a {kind} reply (docs/protocol.md, Replies).");
}
