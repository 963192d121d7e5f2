using System.Text.Json;
using ServerlessAuth.AspNetCore;
using ServerlessAuth.Revocation;

namespace ServerlessAuth.UnitTests.AspNetCore;

public sealed class RevocationsResponseTests
{
    private static RevocationsResponse Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return RevocationsResponse.Parse(document.RootElement);
    }

    [Fact]
    public void Every_kind_of_the_wire_format_becomes_its_event()
    {
        var page = Parse("""
            {"events":[
              {"id":"a","kind":"token_revoked","published_at":1733140000123,"jti":"j1","instant":1733140400000},
              {"id":"b","kind":"session_ended","published_at":1733140000124,"sub":"u1","sid":"s1"},
              {"id":"c","kind":"user_cutoff","published_at":1733140000125,"sub":"u2","instant":1733140000000},
              {"id":"d","kind":"service_cutoff","published_at":1733140000126,"instant":1733139990000},
              {"id":"e","kind":"signing_keys_changed","published_at":1733140000127}]}
            """);

        Assert.Empty(page.UnknownKinds);
        Assert.Equal(
            [
                new RevocationEvent("a", RevocationEventKind.TokenRevoked, DateTimeOffset.FromUnixTimeMilliseconds(1733140000123), TokenId: "j1", Instant: DateTimeOffset.FromUnixTimeMilliseconds(1733140400000)),
                new RevocationEvent("b", RevocationEventKind.SessionEnded, DateTimeOffset.FromUnixTimeMilliseconds(1733140000124), Subject: "u1", SessionId: "s1"),
                new RevocationEvent("c", RevocationEventKind.UserCutoff, DateTimeOffset.FromUnixTimeMilliseconds(1733140000125), Subject: "u2", Instant: DateTimeOffset.FromUnixTimeMilliseconds(1733140000000)),
                new RevocationEvent("d", RevocationEventKind.ServiceCutoff, DateTimeOffset.FromUnixTimeMilliseconds(1733140000126), Instant: DateTimeOffset.FromUnixTimeMilliseconds(1733139990000)),
                new RevocationEvent("e", RevocationEventKind.SigningKeysChanged, DateTimeOffset.FromUnixTimeMilliseconds(1733140000127)),
            ],
            page.Events);
    }

    [Fact]
    public void An_empty_page_has_no_events()
    {
        var page = Parse("""{"events":[]}""");

        Assert.Empty(page.Events);
        Assert.Empty(page.UnknownKinds);
    }

    [Fact]
    public void An_unknown_kind_is_skipped_and_reported_and_the_rest_is_applied()
    {
        var page = Parse("""
            {"events":[
              {"id":"a","kind":"client_removed","published_at":1733140000123,"client_id":"x"},
              {"id":"b","kind":"session_ended","published_at":1733140000124,"sub":"u1","sid":"s1"}],
             "next":"ignored"}
            """);

        Assert.Equal(["client_removed"], page.UnknownKinds);
        Assert.Equal("b", Assert.Single(page.Events).Id);
    }

    [Theory]
    [InlineData("""[]""")]
    [InlineData("""{}""")]
    [InlineData("""{"events":{}}""")]
    [InlineData("""{"events":null}""")]
    [InlineData("""{"events":["token_revoked"]}""")]
    [InlineData("""{"events":[{"kind":"signing_keys_changed","published_at":1}]}""")]
    [InlineData("""{"events":[{"id":"","kind":"signing_keys_changed","published_at":1}]}""")]
    [InlineData("""{"events":[{"id":"a","published_at":1}]}""")]
    [InlineData("""{"events":[{"id":"a","kind":"signing_keys_changed"}]}""")]
    [InlineData("""{"events":[{"id":"a","kind":"signing_keys_changed","published_at":"1733140000123"}]}""")]
    [InlineData("""{"events":[{"id":"a","kind":"signing_keys_changed","published_at":1.5}]}""")]
    [InlineData("""{"events":[{"id":"a","kind":"signing_keys_changed","published_at":-1}]}""")]
    [InlineData("""{"events":[{"id":"a","kind":"token_revoked","published_at":1,"instant":2}]}""")]
    [InlineData("""{"events":[{"id":"a","kind":"token_revoked","published_at":1,"jti":"j"}]}""")]
    [InlineData("""{"events":[{"id":"a","kind":"session_ended","published_at":1,"sub":"u"}]}""")]
    [InlineData("""{"events":[{"id":"a","kind":"session_ended","published_at":1,"sid":"s"}]}""")]
    [InlineData("""{"events":[{"id":"a","kind":"user_cutoff","published_at":1,"sub":"u"}]}""")]
    [InlineData("""{"events":[{"id":"a","kind":"user_cutoff","published_at":1,"instant":2}]}""")]
    [InlineData("""{"events":[{"id":"a","kind":"service_cutoff","published_at":1}]}""")]
    [InlineData("""{"events":[{"id":"a","kind":"service_cutoff","published_at":1,"instant":99999999999999999}]}""")]
    public void A_malformed_answer_is_refused_whole(string json)
    {
        // A known event missing a member must not be dropped quietly: the replica would look current without it.
        Assert.Throws<FormatException>(() => Parse(json));
    }
}

public sealed class RevocationsWireContractTests
{
    [Fact]
    public void What_the_issuer_serves_the_handler_reads_back_event_for_event()
    {
        var now = DateTimeOffset.FromUnixTimeMilliseconds(1733140000123);
        RevocationEvent[] events =
        [
            RevocationEvent.TokenRevoked("jti-1", now.AddMinutes(10), now),
            RevocationEvent.SessionEnded("user-1", "session-1", now),
            RevocationEvent.UserCutoff("user-2", now.AddSeconds(-1), now),
            RevocationEvent.ServiceCutoff(now.AddSeconds(-2), now),
            RevocationEvent.SigningKeysChanged(now),
        ];

        var served = JsonSerializer.Serialize(ServerlessAuth.Http.Contracts.RevocationsResponse.From(events));
        using var document = JsonDocument.Parse(served);
        var read = RevocationsResponse.Parse(document.RootElement);

        Assert.Empty(read.UnknownKinds);
        Assert.Equal(events.OrderBy(e => e.Id, StringComparer.Ordinal), read.Events.OrderBy(e => e.Id, StringComparer.Ordinal));
    }
}
