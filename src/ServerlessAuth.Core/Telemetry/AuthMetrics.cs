using System.Diagnostics.Metrics;

namespace ServerlessAuth.Telemetry;

/// <summary>
/// The service's instruments, all in one meter (<see cref="MeterName"/>) so an exporter needs one name.
/// Tags take only the fixed values below: never a username, address or token.
/// </summary>
public sealed class AuthMetrics
{
    public const string MeterName = "ServerlessAuth";

    private readonly Counter<long> _logins;
    private readonly Counter<long> _tokensIssued;
    private readonly Counter<long> _tokensRefused;
    private readonly Counter<long> _logouts;
    private readonly Counter<long> _unavailable;
    private readonly Counter<long> _passwordHashRefused;
    private readonly Histogram<double> _storageCallDuration;

    public AuthMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _logins = meter.CreateCounter<long>("serverlessauth.logins", "{login}", "Login attempts by outcome.");
        _tokensIssued = meter.CreateCounter<long>("serverlessauth.tokens.issued", "{token}", "Access tokens issued.");
        _tokensRefused = meter.CreateCounter<long>("serverlessauth.tokens.refused", "{request}", "Requests refused for a missing or bad credential, by reason.");
        _logouts = meter.CreateCounter<long>("serverlessauth.logouts", "{logout}", "Logouts by scope.");
        _unavailable = meter.CreateCounter<long>("serverlessauth.unavailable", "{response}", "503 answers by cause.");
        _passwordHashRefused = meter.CreateCounter<long>("serverlessauth.password_hash.refused", "{hash}",
            "Password checks refused because every hashing permit stayed taken for the queue timeout.");
        _storageCallDuration = meter.CreateHistogram<double>("serverlessauth.storage.duration", "s", "Duration of one Table Storage call, retries included.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
    }

    /// <summary><paramref name="outcome"/>: one of <see cref="LoginOutcome"/>'s values.</summary>
    public void Login(string outcome) => _logins.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void TokenIssued() => _tokensIssued.Add(1);

    /// <summary>
    /// <paramref name="reason"/>: <c>no_session</c> and <c>missing_token</c> as answered, or for an invalid
    /// token why (<see cref="Tokens.AccessTokenValidation.Reason"/>: <c>expired</c>, <c>revoked</c>,
    /// <c>session_ended</c>, <c>unknown_key</c>, <c>bad_signature</c>, <c>wrong_audience</c>, ...).
    /// </summary>
    public void TokenRefused(string reason) => _tokensRefused.Add(1, new KeyValuePair<string, object?>("reason", reason));

    /// <summary><paramref name="scope"/>: <c>local</c>, <c>others</c> or <c>global</c>.</summary>
    public void Logout(string scope) => _logouts.Add(1, new KeyValuePair<string, object?>("scope", scope));

    /// <summary><paramref name="cause"/>: <c>storage</c>, <c>signing_keys</c> or <c>busy</c> (the password hashing gate).</summary>
    public void Unavailable(string cause) => _unavailable.Add(1, new KeyValuePair<string, object?>("cause", cause));

    public void PasswordHashRefused() => _passwordHashRefused.Add(1);

    /// <summary><paramref name="outcome"/>: <c>ok</c>, <c>failed</c>, <c>timeout</c> or <c>cancelled</c> (the caller gave up).</summary>
    public void StorageCall(TimeSpan duration, string outcome) =>
        _storageCallDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome));
}

/// <summary>The <c>outcome</c> tag of <c>serverlessauth.logins</c>.</summary>
public static class LoginOutcome
{
    public const string Ok = "ok";
    public const string BadCredentials = "bad_credentials";
    public const string Locked = "locked";
    public const string Throttled = "throttled";
}
