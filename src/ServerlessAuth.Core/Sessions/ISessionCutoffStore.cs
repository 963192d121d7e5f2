namespace ServerlessAuth.Sessions;

/// <summary>
/// The service-wide "sessions valid after" instant: every session created before it is ended, and so
/// is every token of such a session. Set by the operator ("log everyone out"), independently of key rotation.
/// </summary>
public interface ISessionCutoffStore
{
    Task<DateTimeOffset?> GetAsync(CancellationToken cancellationToken);

    Task SetAsync(DateTimeOffset instant, CancellationToken cancellationToken);
}
