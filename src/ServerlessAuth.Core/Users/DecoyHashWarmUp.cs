using Microsoft.Extensions.Hosting;

namespace ServerlessAuth.Users;

/// <summary>
/// Makes the decoy hash while the host starts, before it serves: otherwise the first unknown-user login
/// on each instance would cost an extra hash and stand out by its time.
/// </summary>
public sealed class DecoyHashWarmUp(PasswordAuthenticator authenticator) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => authenticator.WarmAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
