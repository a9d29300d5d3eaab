using System.Net.Security;

namespace Kv.Client;

/// <summary>
/// The TLS handshake with the server failed for a reason that trying again will not fix: its certificate was not
/// accepted (<see cref="PolicyErrors"/> says why: an untrusted chain, a name that is not the target host), or no TLS
/// version or cipher was agreed. Like a refused password, the client does not try again: the connection attempt fails,
/// and every later call on the same client fails at once with this exception, without contacting the server. A
/// connection lost during the handshake is an ordinary <see cref="KvConnectionException"/>, retried as usual.
/// </summary>
public sealed class KvTlsException : KvConnectionException
{
    /// <summary>Creates an exception with a default message.</summary>
    public KvTlsException()
        : base("The TLS handshake with the Kv server failed.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public KvTlsException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and a cause.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause, usually an <see cref="System.Security.Authentication.AuthenticationException"/>.</param>
    public KvTlsException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception for a failed handshake.</summary>
    /// <param name="endPoint">The server, as configured.</param>
    /// <param name="targetHost">The host name the certificate was checked against.</param>
    /// <param name="policyErrors">What the certificate validation found, or <see cref="SslPolicyErrors.None"/>.</param>
    /// <param name="innerException">The cause.</param>
    public KvTlsException(string endPoint, string targetHost, SslPolicyErrors policyErrors, Exception? innerException)
        : base(Describe(endPoint, targetHost, policyErrors, innerException), innerException)
    {
        EndPoint = endPoint;
        TargetHost = targetHost;
        PolicyErrors = policyErrors;
    }

    /// <summary>The server, as configured (<see cref="KvClientOptions.EndPoint"/>), or null.</summary>
    public string? EndPoint { get; }

    /// <summary>The host name the server's certificate was checked against, or null.</summary>
    public string? TargetHost { get; }

    /// <summary>
    /// What the validation of the server's certificate found (<see cref="SslPolicyErrors.RemoteCertificateChainErrors"/>
    /// for an untrusted or expired certificate, <see cref="SslPolicyErrors.RemoteCertificateNameMismatch"/> for one not
    /// issued for <see cref="TargetHost"/>), or <see cref="SslPolicyErrors.None"/> when the handshake failed otherwise
    /// (or a validation callback refused a certificate the system accepted).
    /// </summary>
    public SslPolicyErrors PolicyErrors { get; }

    /// <summary>A new exception with the same facts, for a later call (an exception object is not thrown twice).</summary>
    internal KvTlsException Repeat() => EndPoint is null
        ? new KvTlsException(Message, InnerException)
        : new KvTlsException(EndPoint, TargetHost!, PolicyErrors, InnerException);

    private static string Describe(string endPoint, string targetHost, SslPolicyErrors policyErrors, Exception? innerException)
    {
        var why = policyErrors != SslPolicyErrors.None
            ? $"the server's certificate was not accepted for '{targetHost}' ({policyErrors}{Explain(policyErrors)})"
            : $"{(innerException?.Message ?? "no reason given").TrimEnd('.')} (is this the server's TLS port, its --tls-port, and does it allow TLS 1.2 or 1.3?)";
        return $"The TLS handshake with the Kv server at {endPoint} failed: {why}. " +
            "This client will not try again: fix the certificate or the TLS options (KvTlsOptions) and create a new client.";
    }

    private static string Explain(SslPolicyErrors errors)
    {
        var parts = new List<string>();
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            parts.Add("its chain is not trusted, or has expired");
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            parts.Add("it is not issued for that name: set KvTlsOptions.TargetHost");
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            parts.Add("the server sent none");
        }

        return parts.Count == 0 ? string.Empty : ": " + string.Join("; ", parts);
    }
}
