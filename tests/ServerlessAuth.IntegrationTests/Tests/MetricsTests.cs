using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using ServerlessAuth.IntegrationTests.Infrastructure;
using ServerlessAuth.Telemetry;

namespace ServerlessAuth.IntegrationTests.Tests;

/// <summary>
/// The service's meter, read with a MeterListener while a real flow runs against a real host. Only
/// this host's instruments are listened to (other hosts of the run have meters of the same name).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class MetricsTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly ConcurrentQueue<(string Instrument, double Value, Dictionary<string, string?> Tags)> _measurements = new();
    private readonly MeterListener _listener = new();
    private AuthHost? _host;

    private AuthHost Host => _host ?? throw new InvalidOperationException("The host has not started.");

    public async Task InitializeAsync()
    {
        _host = await AuthHost.StartAsync(azurite.ConnectionString, new AuthHostOptions());
        var meterFactory = _host.Service<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == AuthMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, meterFactory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    public async Task DisposeAsync()
    {
        _listener.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_login_token_refusal_and_logout_flow_is_counted_by_outcome()
    {
        var user = await Host.AddUserAsync();
        var loggedIn = await Host.Api.LoginAsync(user);
        using (var failed = await Host.Api.LoginJsonAsync(user.Username, "not the password"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        var token = await Host.Api.GetTokenAsync(loggedIn.Cookie.Value);
        using (var refused = await Host.Api.MeAsync("not-a-token"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using (var logout = await Host.Api.LogoutAsync(loggedIn.Cookie.Value, token))
        {
            Assert.Equal(HttpStatusCode.OK, logout.StatusCode);
        }

        await Host.Api.AssertRefusedWithinBoundAsync(token);

        Assert.Equal(1, Count("serverlessauth.logins", "outcome", LoginOutcome.Ok));
        Assert.Equal(1, Count("serverlessauth.logins", "outcome", LoginOutcome.BadCredentials));
        Assert.Equal(1, Count("serverlessauth.tokens.issued"));
        Assert.Equal(1, Count("serverlessauth.tokens.refused", "reason", "malformed"));
        Assert.Equal(1, Count("serverlessauth.tokens.refused", "reason", "revoked"));
        Assert.Equal(1, Count("serverlessauth.logouts", "scope", "local"));
        Assert.Equal(0, Count("serverlessauth.unavailable"));

        var storageCalls = _measurements.Where(m => m.Instrument == "serverlessauth.storage.duration").ToList();
        Assert.NotEmpty(storageCalls);
        Assert.All(storageCalls, call => Assert.True(call.Value >= 0));
        Assert.Contains(storageCalls, call => call.Tags["outcome"] == "ok");
    }

    [Fact]
    public async Task A_storage_outage_answer_is_counted_as_a_503_by_cause()
    {
        // A table that does not exist fails every read closed, as a broken deployment would.
        await using var broken = await AuthHost.StartAsync(azurite.ConnectionString, new AuthHostOptions());
        var meterFactory = broken.Service<IMeterFactory>();
        var unavailable = new ConcurrentQueue<string?>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, meterFactory) && instrument.Name == "serverlessauth.unavailable")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
            unavailable.Enqueue(tags.ToArray().Single(t => t.Key == "cause").Value as string));
        listener.Start();

        var user = await broken.AddUserAsync();
        await broken.Service<ServerlessAuth.TableStorage.AuthTables>().Sessions.DeleteAsync();
        using var response = await broken.Api.LoginJsonAsync(user.Username, TestSettings.Password);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(["storage"], unavailable);
    }

    private void Record<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags) where T : struct =>
        _measurements.Enqueue((instrument.Name, Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture),
            tags.ToArray().ToDictionary(t => t.Key, t => t.Value?.ToString())));

    private double Count(string instrument, string? tag = null, string? value = null) =>
        _measurements.Where(m => m.Instrument == instrument && (tag is null || m.Tags.GetValueOrDefault(tag) == value)).Sum(m => m.Value);
}
