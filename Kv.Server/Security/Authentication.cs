namespace Kv.Server.Security;

/// <summary>How the server slows down password guessing (docs/security.md, docs/limits.md).</summary>
internal static class Authentication
{
    /// <summary>
    /// A failed AUTH is answered no sooner than this after it is received, and the connection's later requests wait for
    /// it: one guess per connection at a time, each at least this long. No thread waits meanwhile (a timer resumes the
    /// connection).
    /// </summary>
    public static readonly TimeSpan FailureDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>After this many failed AUTHs a connection is answered its last error and closed.</summary>
    public const int MaxFailuresPerConnection = 10;

    /// <summary>The longest user name a log line shows (the rest is cut, as the name comes from the client).</summary>
    public const int MaxLoggedUserName = 64;

    /// <summary>A user name as a log line may show it: UTF-8 decoded, control characters escaped, cut to <see cref="MaxLoggedUserName"/>.</summary>
    public static string ForLog(string name)
    {
        var builder = new System.Text.StringBuilder(Math.Min(name.Length, MaxLoggedUserName) + 3);
        foreach (var c in name.Length > MaxLoggedUserName ? name[..MaxLoggedUserName] : name)
        {
            if (char.IsControl(c))
            {
                builder.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
            }
            else
            {
                builder.Append(c);
            }
        }

        return name.Length > MaxLoggedUserName ? builder.Append("...").ToString() : builder.ToString();
    }
}
