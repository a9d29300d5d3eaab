using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;

namespace Kv.Client.Internal;

/// <summary>Turns <c>host:port</c> text into an <see cref="EndPoint"/>: an IP address as is, a host name for DNS.</summary>
internal static class EndPointParser
{
    public static bool TryParse(string? text, [NotNullWhen(true)] out EndPoint? endPoint, [NotNullWhen(false)] out string? error)
    {
        endPoint = null;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "The end point must be \"host:port\", not empty.";
            return false;
        }

        var host = text.Trim();
        var port = KvClientOptions.DefaultPort;
        if (host.StartsWith('['))
        {
            // [v6-address] or [v6-address]:port
            var close = host.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || (close + 1 < host.Length && host[close + 1] != ':'))
            {
                error = $"The end point \"{text}\" is not \"host:port\" (an IPv6 address goes in brackets: [::1]:6555).";
                return false;
            }

            if (close + 1 < host.Length && !TryParsePort(host.AsSpan(close + 2), out port))
            {
                error = $"The end point \"{text}\" has a bad port: ports are 1 to 65535.";
                return false;
            }

            host = host.Substring(1, close - 1);
        }
        else
        {
            var colon = host.LastIndexOf(':');
            if (colon >= 0 && host.IndexOf(':', StringComparison.Ordinal) == colon)
            {
                if (!TryParsePort(host.AsSpan(colon + 1), out port))
                {
                    error = $"The end point \"{text}\" has a bad port: ports are 1 to 65535.";
                    return false;
                }

                host = host.Substring(0, colon);
            }

            // Otherwise: no colon (a host alone), or several (a bare IPv6 address without a port).
        }

        if (host.Length == 0)
        {
            error = $"The end point \"{text}\" has no host.";
            return false;
        }

        endPoint = IPAddress.TryParse(host, out var address)
            ? new IPEndPoint(address, port)
            : new DnsEndPoint(host, port);
        return true;
    }

    private static bool TryParsePort(ReadOnlySpan<char> text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 1 and <= 65535;
}
