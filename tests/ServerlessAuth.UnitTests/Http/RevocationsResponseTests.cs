using System.Text.Json;
using ServerlessAuth.Http.Contracts;
using ServerlessAuth.Revocation;

namespace ServerlessAuth.UnitTests.Http;

public sealed class RevocationsResponseTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_733_140_000_123);
    private static readonly DateTimeOffset Later = DateTimeOffset.FromUnixTimeMilliseconds(1_733_140_400_000);

    public static TheoryData<RevocationEventKind, string> Kinds() => new()
    {
        { RevocationEventKind.TokenRevoked, "token_revoked" },
        { RevocationEventKind.SessionEnded, "session_ended" },
        { RevocationEventKind.UserCutoff, "user_cutoff" },
        { RevocationEventKind.ServiceCutoff, "service_cutoff" },
        { RevocationEventKind.SigningKeysChanged, "signing_keys_changed" },
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_kind_has_its_wire_name(RevocationEventKind kind, string name) =>
        Assert.Equal(name, RevocationEventResponse.KindName(kind));

    [Fact]
    public void Every_kind_is_mapped() =>
        Assert.All(Enum.GetValues<RevocationEventKind>(), kind => Assert.NotEmpty(RevocationEventResponse.KindName(kind)));

    private static string Serialize(RevocationEvent e) =>
        JsonSerializer.Serialize(RevocationsResponse.From([e]), new JsonSerializerOptions(JsonSerializerDefaults.Web));

    [Fact]
    public void Each_event_has_exactly_the_members_of_its_kind_in_unix_milliseconds()
    {
        Assert.Equal("{\"events\":[{\"id\":\"t\",\"kind\":\"token_revoked\",\"published_at\":1733140000123,\"jti\":\"j\",\"instant\":1733140400000}]}",
            Serialize(RevocationEvent.TokenRevoked("j", Later, Now) with { Id = "t" }));
        Assert.Equal("{\"events\":[{\"id\":\"s\",\"kind\":\"session_ended\",\"published_at\":1733140000123,\"sub\":\"u\",\"sid\":\"x\"}]}",
            Serialize(RevocationEvent.SessionEnded("u", "x", Now) with { Id = "s" }));
        Assert.Equal("{\"events\":[{\"id\":\"c\",\"kind\":\"user_cutoff\",\"published_at\":1733140000123,\"sub\":\"u\",\"instant\":1733140400000}]}",
            Serialize(RevocationEvent.UserCutoff("u", Later, Now) with { Id = "c" }));
        Assert.Equal("{\"events\":[{\"id\":\"a\",\"kind\":\"service_cutoff\",\"published_at\":1733140000123,\"instant\":1733140400000}]}",
            Serialize(RevocationEvent.ServiceCutoff(Later, Now) with { Id = "a" }));
        Assert.Equal("{\"events\":[{\"id\":\"k\",\"kind\":\"signing_keys_changed\",\"published_at\":1733140000123}]}",
            Serialize(RevocationEvent.SigningKeysChanged(Now) with { Id = "k" }));
    }

    [Fact]
    public void Events_come_in_publishing_order()
    {
        var response = RevocationsResponse.From([RevocationEvent.SigningKeysChanged(Later), RevocationEvent.SigningKeysChanged(Now)]);
        Assert.Equal([Now.ToUnixTimeMilliseconds(), Later.ToUnixTimeMilliseconds()], response.Events.Select(e => e.PublishedAt));
    }
}
