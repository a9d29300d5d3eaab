using System.Text;
using Kv.Protocol;
using Kv.Server.Networking;
using Kv.Server.Security;

namespace Kv.Fuzz.Harnesses;

/// <summary>What the model says of one request: the response, whether the server counts it as carried out, and whether it closes the connection after it.</summary>
internal readonly record struct ModelAnswer(Response Response, bool Counted, bool Close);

/// <summary>
/// docs/security.md's state machine of a connection to a server with users, over <see cref="ProtocolModel"/>: before a
/// successful AUTH only AUTH and PING (version 1) run, the rest is ERROR NotAuthenticated, and a version-0 frame is told
/// why and closes; AUTH checks the users below (a failure is ERROR AuthenticationFailed, the tenth closes; a failure
/// keeps the current user); afterwards each command runs when the user's permission has it, else ERROR
/// PermissionDenied. The users and passwords are those of docs/protocol.md's AUTH examples, so the seed corpus reaches
/// them.
/// </summary>
internal sealed class AuthenticatedModel
{
    // The harness runs thousands of failures: without the delay, and with cheap hashes (the format is the real one).
    public static readonly UserDirectory Users = UserDirectory.Parse(
        [
            $"app readwrite {PasswordHash.Create("secret", PasswordHash.MinimumIterations)}",
            $"default admin {PasswordHash.Create("pw", PasswordHash.MinimumIterations)}",
            $"r read {PasswordHash.Create("r", PasswordHash.MinimumIterations)}",
        ],
        "fuzz users").WithFailureDelay(TimeSpan.Zero);

    private static readonly Dictionary<string, (string Password, Permission Permission)> Known = new()
    {
        ["app"] = ("secret", Permission.ReadWrite),
        ["default"] = ("pw", Permission.Admin),
        ["r"] = ("r", Permission.Read),
    };

    private readonly ProtocolModel _data = new();
    private string? _user;
    private int _failures;

    public ModelAnswer Answer(CommandView command)
    {
        var id = command.RequestId;
        if (command.Version == ProtocolVersion.V0 && _user is null)
        {
            return new ModelAnswer(new Response(ResponseStatus.Error, FrameProcessor.Version0Refused), Counted: false, Close: true);
        }

        if (command.Kind == CommandKind.Auth)
        {
            var name = Encoding.UTF8.GetString(command.User);
            name = name.Length == 0 ? "default" : name;
            if (Known.TryGetValue(name, out var known) && command.Password.SequenceEqual(Encoding.UTF8.GetBytes(known.Password)))
            {
                _user = name;
                return new ModelAnswer(Response.Ok([], ProtocolVersion.V1, id), Counted: true, Close: false);
            }

            _failures++;
            var failed = new Response(ResponseStatus.Error, FrameProcessor.AuthenticationFailedMessage, ProtocolVersion.V1, id, ProtocolErrorCode.AuthenticationFailed);
            return new ModelAnswer(failed, Counted: true, Close: _failures >= Authentication.MaxFailuresPerConnection);
        }

        if (_user is null)
        {
            return command.Kind == CommandKind.Ping
                ? _data.Answer(command)
                : new ModelAnswer(new Response(ResponseStatus.Error, FrameProcessor.NotAuthenticatedMessage, command.Version, id, ProtocolErrorCode.NotAuthenticated), Counted: true, Close: false);
        }

        var permission = Known[_user].Permission;
        var allowed = permission switch
        {
            Permission.Read => command.Kind is CommandKind.Get or CommandKind.Ttl or CommandKind.Ping,
            _ => true,
        };
        if (allowed)
        {
            return _data.Answer(command);
        }

        var message = Encoding.UTF8.GetBytes(FrameProcessor.PermissionDeniedMessage(_user, permission, command.Kind));
        var code = command.Version == ProtocolVersion.V0 ? ProtocolErrorCode.None : ProtocolErrorCode.PermissionDenied;
        return new ModelAnswer(new Response(ResponseStatus.Error, message, command.Version, id, code), Counted: true, Close: false);
    }
}
