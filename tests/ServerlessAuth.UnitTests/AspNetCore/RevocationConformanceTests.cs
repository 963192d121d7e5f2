using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ServerlessAuth.AspNetCore;
using ServerlessAuth.Revocation;
using ServerlessAuth.Storage;
using ServerlessAuth.Tokens;

namespace ServerlessAuth.UnitTests.AspNetCore;

/// <summary>
/// The conformance fixture shared with the Node package (tests/conformance/revocation-decisions.json): the
/// handler's path, the endpoint's answers parsed by <see cref="RevocationsResponse"/> and applied to a
/// <see cref="RevocationReplica"/>, must make the decisions the fixture names, as the Node follower must.
/// </summary>
public sealed class RevocationConformanceTests
{
    private static readonly Lazy<JsonElement> Fixture = new(Load);

    public static TheoryData<string> Cases
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var c in Fixture.Value.GetProperty("cases").EnumerateArray())
            {
                data.Add(c.GetProperty("name").GetString()!);
            }

            return data;
        }
    }

    [Fact]
    public void The_fixture_has_cases() => Assert.True(Fixture.Value.GetProperty("cases").GetArrayLength() >= 10);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_case_gets_the_decisions_the_fixture_names(string name)
    {
        var settings = Fixture.Value.GetProperty("settings");
        var auth = Options.Create(new AuthOptions
        {
            ClockSkew = TimeSpan.FromSeconds(settings.GetProperty("clock_skew_seconds").GetInt32()),
            AccessTokenLifetime = TimeSpan.FromSeconds(settings.GetProperty("access_token_lifetime_seconds").GetInt32()),
        });
        // The handler's overlap is its HTTP timeout plus the skew; the window takes the timeout from here.
        var storage = Options.Create(new StorageOptions { OperationTimeout = TimeSpan.FromMilliseconds(settings.GetProperty("http_timeout_ms").GetInt32()) });
        var revocation = Options.Create(new RevocationOptions { StalenessBound = TimeSpan.FromMilliseconds(settings.GetProperty("staleness_bound_ms").GetInt32()) });
        var time = new FakeTimeProvider();
        var replica = new RevocationReplica(new RevocationWindow(auth, storage), revocation, auth, time);

        var @case = Fixture.Value.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);
        var index = 0;
        foreach (var step in @case.GetProperty("steps").EnumerateArray())
        {
            var at = DateTimeOffset.FromUnixTimeMilliseconds(step.GetProperty("at").GetInt64());
            var where = $"step {index++} (at {at.ToUnixTimeMilliseconds()})";
            time.SetUtcNow(at);
            if (step.TryGetProperty("poll", out var poll))
            {
                var keysChanged = replica.Apply(RevocationsResponse.Parse(poll).Events, at);
                if (step.TryGetProperty("keys_changed", out var expected))
                {
                    Assert.True(expected.GetBoolean() == keysChanged, $"{where}: keys changed should be {expected.GetBoolean()}");
                }
            }
            else if (step.TryGetProperty("malformed_poll", out var malformed))
            {
                Assert.Throws<FormatException>(() => RevocationsResponse.Parse(malformed));
            }
            else
            {
                var token = step.GetProperty("token");
                var claims = new AccessTokenClaims(
                    token.GetProperty("sub").GetString()!, "alice", token.GetProperty("sid").GetString()!, token.GetProperty("jti").GetString()!,
                    at, at.AddMinutes(10), "k1", DateTimeOffset.FromUnixTimeSeconds(token.GetProperty("auth_time").GetInt64()));

                var answer = replica.Check(claims, out var refusal);

                var decision = answer switch
                {
                    ReplicaAnswer.Accept => "accept",
                    ReplicaAnswer.Refuse => "refuse",
                    ReplicaAnswer.Stale => "stale",
                    _ => answer.ToString(),
                };
                Assert.True(step.GetProperty("expect").GetString() == decision,
                    $"{where}: expected {step.GetProperty("expect").GetString()} for {token}, got {decision}");
                if (step.TryGetProperty("refusal", out var text))
                {
                    Assert.Equal(text.GetString(), refusal);
                }
            }
        }
    }

    private static JsonElement Load()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var path = Path.Combine(directory.FullName, "tests", "conformance", "revocation-decisions.json");
            if (File.Exists(path))
            {
                using var document = JsonDocument.Parse(File.ReadAllText(path));
                return document.RootElement.Clone();
            }
        }

        throw new InvalidOperationException($"No tests/conformance/revocation-decisions.json above '{AppContext.BaseDirectory}'.");
    }
}
