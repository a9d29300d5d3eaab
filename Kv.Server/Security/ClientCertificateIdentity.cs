using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Kv.Server.Diagnostics;
using Kv.Server.Networking;
using Microsoft.Extensions.Logging;

namespace Kv.Server.Security;

/// <summary>
/// Mutual TLS as identity (<c>--tls-client-user cn</c>): the common name of a verified client certificate names the
/// connection's user, as Redis's <c>tls-auth-clients-user CN</c> does. Only the subject's CN attribute counts (not a
/// SAN, not an e-mail name), and a subject names nobody when it has no CN, more than one (whatever their encodings), a
/// CN that is not text, or a multi-valued part (<c>CN=a+O=b</c>), so that no reading of an odd subject can pick a user.
/// </summary>
internal static class ClientCertificateIdentity
{
    private const string CommonNameOid = "2.5.4.3";

    /// <summary>After a handshake: authenticates the connection as the user its client certificate names, when it names one.</summary>
    public static void Apply(SslStream stream, FrameProcessor frames, long connectionId, ILogger logger)
    {
        if (stream.RemoteCertificate is not { } certificate || CommonName(certificate) is not { } name)
        {
            return;
        }

        if (!frames.AuthenticateByCertificate(name))
        {
            ServerLog.CertificateNamesNoUser(logger, connectionId, name);
        }
    }

    /// <summary>The subject's one common name; null when it names nobody (see the class).</summary>
    public static string? CommonName(X509Certificate certificate)
    {
        try
        {
            var subject = certificate is X509Certificate2 full ? full.SubjectName : new X500DistinguishedName(certificate.Subject);
            var commonNames = 0;
            string? value = null;
            foreach (var part in subject.EnumerateRelativeDistinguishedNames())
            {
                if (part.HasMultipleElements)
                {
                    return null;
                }

                if (part.GetSingleElementType().Value == CommonNameOid)
                {
                    commonNames++;
                    value = part.GetSingleElementValue();
                }
            }

            return commonNames == 1 && !string.IsNullOrEmpty(value) ? value : null;
        }
        catch (CryptographicException)
        {
            // A subject or a value that does not decode: it names nobody, and the client must AUTH.
            return null;
        }
    }
}
