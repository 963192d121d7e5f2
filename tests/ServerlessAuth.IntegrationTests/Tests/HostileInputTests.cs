using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ServerlessAuth.IntegrationTests.Infrastructure;
using ServerlessAuth.Users;

namespace ServerlessAuth.IntegrationTests.Tests;

/// <summary>
/// One host with one user, a live session and its token, and the host's current signing key, shared by
/// every hostile case. Hostile tokens are signed with the real key and carry the live session's real
/// claims wherever that matters, so each is refused for its one hostile trait and nothing else.
/// </summary>
public class HostileInputFixture(AzuriteFixture azurite) : IAsyncLifetime
{
    public virtual HostKind Kind => HostKind.AspNetCore;

    private AuthHost? _host;

    public AuthHost Host => _host ?? throw new InvalidOperationException("The host has not started.");

    public UserAccount User { get; private set; } = null!;

    public LoggedIn Session { get; private set; } = null!;

    public LoggedIn OtherSession { get; private set; } = null!;

    public SigningKey Key { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _host = await AuthHost.StartAsync(azurite.ConnectionString, new AuthHostOptions { Kind = Kind });
        User = await Host.AddUserAsync();
        Session = await Host.Api.LoginAsync(User);
        OtherSession = await Host.Api.LoginAsync(User);
        Key = await ForgedJwt.CurrentKeyAsync(Host);
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    public string SessionId => Session.CookieValue.Split('.')[1];

    /// <summary>The header an issued token has.</summary>
    /// <param name="alg">Null: the key's own algorithm; "" for none at all.</param>
    public string Header(string? alg = null, string? kid = null, string typ = "at+jwt", string extra = "")
    {
        var members = new List<string>();
        alg ??= Key.Algorithm;
        if (alg.Length > 0)
        {
            members.Add($"\"alg\":{JsonSerializer.Serialize(alg)}");
        }

        members.Add($"\"typ\":{JsonSerializer.Serialize(typ)}");
        members.Add($"\"kid\":{JsonSerializer.Serialize(kid ?? Key.KeyId)}");
        if (extra.Length > 0)
        {
            members.Add(extra);
        }

        return "{" + string.Join(",", members) + "}";
    }

    /// <summary>
    /// The payload an issued token of the live session has (fresh jti, now, the configured lifetime).
    /// Members given in <paramref name="replace"/> (name to raw JSON, or null to drop) replace or remove
    /// the usual ones; <paramref name="extra"/> is appended verbatim.
    /// </summary>
    public string Payload(IReadOnlyDictionary<string, string?>? replace = null, string extra = "")
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var members = new Dictionary<string, string?>
        {
            ["iss"] = JsonSerializer.Serialize(TestSettings.Issuer),
            ["aud"] = JsonSerializer.Serialize(TestSettings.Audience),
            ["sub"] = JsonSerializer.Serialize(User.Id),
            ["name"] = JsonSerializer.Serialize(User.Username),
            ["sid"] = JsonSerializer.Serialize(SessionId),
            ["jti"] = JsonSerializer.Serialize(Jwt.ToBase64Url(RandomNumberGenerator.GetBytes(16))),
            ["iat"] = now.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["auth_time"] = now.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["nbf"] = now.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["exp"] = (now + 300).ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (name, json) in replace ?? new Dictionary<string, string?>())
        {
            members[name] = json;
        }

        var parts = members.Where(m => m.Value is not null).Select(m => $"\"{m.Key}\":{m.Value}").ToList();
        if (extra.Length > 0)
        {
            parts.Add(extra);
        }

        return "{" + string.Join(",", parts) + "}";
    }

    /// <summary>Signed with the host's real current key; with <paramref name="hash"/>, an HMAC keyed with its bytes.</summary>
    public string Signed(string header, string payload, HashAlgorithmName? hash = null) =>
        hash is { } h ? ForgedJwt.Hmac(header, payload, Key.Key, h) : ForgedJwt.Sign(header, payload, Key);
}

/// <summary>
/// Hostile input over real HTTP, one table: bodies, usernames and passwords at login, tokens at /me,
/// cookies at the token endpoint. Each case asserts the exact status and problem code (and so that no
/// 500 ever appears), and nothing is ever accepted.
/// </summary>
[Collection(AzuriteCollection.Name)]
public abstract class HostileInputTests(HostileInputFixture fixture)
{
    private const int OverLimit = 5000;

    public sealed record HostileCase(Func<HostileInputFixture, HttpRequestMessage> Request, HttpStatusCode Status, string Code);

    private static HttpRequestMessage Login(string body, string mediaType = "application/json") =>
        new(HttpMethod.Post, "api/auth/login") { Content = new StringContent(body, Encoding.UTF8, mediaType) };

    private static HttpRequestMessage LoginJson(string username, string password) =>
        Login(JsonSerializer.Serialize(new { username, password }));

    private static HttpRequestMessage Me(string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "api/auth/me");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        return request;
    }

    private static HttpRequestMessage Token(string cookieHeader)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "api/auth/token");
        request.Headers.TryAddWithoutValidation("Cookie", cookieHeader);
        return request;
    }

    private static string Password => TestSettings.Password;

    private static HostileCase BadLogin(Func<HostileInputFixture, HttpRequestMessage> request) => new(request, HttpStatusCode.BadRequest, "invalid_request");

    private static HostileCase BadToken(Func<HostileInputFixture, string> token) => new(f => Me(token(f)), HttpStatusCode.Unauthorized, "invalid_token");

    private static HostileCase NoSession(Func<HostileInputFixture, string> cookieHeader) => new(f => Token(cookieHeader(f)), HttpStatusCode.Unauthorized, "no_session");

    private static readonly Dictionary<string, HostileCase> Cases = new()
    {
        // Bodies: the cap holds with and without Content-Length (the good credentials inside do not matter).
        ["login body over 4096 bytes, Content-Length"] = new(
            f => Login(JsonSerializer.Serialize(new { username = f.User.Username, password = Password, pad = new string('x', OverLimit) })),
            HttpStatusCode.RequestEntityTooLarge, "payload_too_large"),
        ["login body over 4096 bytes, chunked"] = new(f =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, "api/auth/login")
                {
                    Content = new UnknownLengthContent(JsonSerializer.SerializeToUtf8Bytes(new { username = f.User.Username, password = Password, pad = new string('x', OverLimit) })),
                };
                request.Headers.TransferEncodingChunked = true;
                return request;
            },
            HttpStatusCode.RequestEntityTooLarge, "payload_too_large"),
        ["login form over 4096 bytes"] = new(
            f => new HttpRequestMessage(HttpMethod.Post, "api/auth/login")
            {
                Content = new FormUrlEncodedContent([KeyValuePair.Create("username", f.User.Username), KeyValuePair.Create("password", Password), KeyValuePair.Create("pad", new string('x', OverLimit))]),
            },
            HttpStatusCode.RequestEntityTooLarge, "payload_too_large"),

        // Malformed JSON and wrong types.
        ["json truncated"] = BadLogin(f => Login($"{{\"username\":\"{f.User.Username}\",\"password\":")),
        ["json trailing garbage"] = BadLogin(f => Login($"{{\"username\":\"{f.User.Username}\",\"password\":\"{Password}\"}} x")),
        ["json single quotes"] = BadLogin(f => Login($"{{'username':'{f.User.Username}','password':'{Password}'}}")),
        ["json invalid utf-8"] = BadLogin(_ => new HttpRequestMessage(HttpMethod.Post, "api/auth/login")
        {
            Content = new ByteArrayContent([.. "{\"username\":\""u8, 0xC3, 0x28, .. "\",\"password\":\"x\"}"u8]) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        }),
        ["json username is a number"] = BadLogin(_ => Login($"{{\"username\":123,\"password\":\"{Password}\"}}")),
        ["json password is a boolean"] = BadLogin(f => Login($"{{\"username\":\"{f.User.Username}\",\"password\":true}}")),
        ["json username is an array"] = BadLogin(f => Login($"{{\"username\":[\"{f.User.Username}\"],\"password\":\"{Password}\"}}")),
        ["json password is an object"] = BadLogin(f => Login($"{{\"username\":\"{f.User.Username}\",\"password\":{{\"value\":\"{Password}\"}}}}")),
        ["json username is null"] = BadLogin(_ => Login($"{{\"username\":null,\"password\":\"{Password}\"}}")),

        // Duplicate properties, with the right credentials: accepting either copy would log in.
        ["json duplicate username"] = BadLogin(f => Login($"{{\"username\":\"{f.User.Username}\",\"password\":\"{Password}\",\"username\":\"{f.User.Username}\"}}")),
        ["json duplicate password"] = BadLogin(f => Login($"{{\"username\":\"{f.User.Username}\",\"password\":\"wrong\",\"password\":\"{Password}\"}}")),
        ["json duplicate username differing in case"] = BadLogin(f => Login($"{{\"username\":\"{f.User.Username}\",\"Username\":\"{f.User.Username}\",\"password\":\"{Password}\"}}")),
        ["form repeated password"] = BadLogin(f => new HttpRequestMessage(HttpMethod.Post, "api/auth/login")
        {
            Content = new FormUrlEncodedContent([KeyValuePair.Create("username", f.User.Username), KeyValuePair.Create("password", Password), KeyValuePair.Create("password", Password)]),
        }),

        // Missing fields.
        ["json without username"] = BadLogin(_ => Login($"{{\"password\":\"{Password}\"}}")),
        ["json without password"] = BadLogin(f => Login($"{{\"username\":\"{f.User.Username}\"}}")),
        ["json empty object"] = BadLogin(_ => Login("{}")),
        ["empty json body"] = BadLogin(_ => Login("")),

        // Usernames: the user's own name made over-long or given invisible or control characters,
        // with the right password: without the rules these would reach the account lookup (401).
        ["username 65 characters"] = BadLogin(_ => LoginJson(new string('a', 65), Password)),
        ["username 1000 characters"] = BadLogin(_ => LoginJson(new string('a', 1000), Password)),
        ["username only spaces"] = BadLogin(_ => LoginJson("   ", Password)),
        ["username with NUL"] = BadLogin(f => LoginJson(f.User.Username + "\u0000", Password)),
        ["username with BEL"] = BadLogin(f => LoginJson(f.User.Username[..3] + "\u0007" + f.User.Username[3..], Password)),
        ["username with zero-width space"] = BadLogin(f => LoginJson(f.User.Username[..3] + "\u200B" + f.User.Username[3..], Password)),
        ["username with right-to-left override"] = BadLogin(f => LoginJson("\u202E" + f.User.Username, Password)),
        ["username with a lone surrogate"] = BadLogin(f => Login($"{{\"username\":\"{f.User.Username}\\ud800\",\"password\":\"{Password}\"}}")),
        ["form username with NUL"] = BadLogin(f => new HttpRequestMessage(HttpMethod.Post, "api/auth/login")
        {
            Content = new FormUrlEncodedContent([KeyValuePair.Create("username", f.User.Username + "\u0000"), KeyValuePair.Create("password", Password)]),
        }),

        // Passwords.
        ["password 257 characters"] = BadLogin(f => LoginJson(f.User.Username, new string('p', 257))),
        ["password 4000 characters"] = BadLogin(f => LoginJson(f.User.Username, new string('p', 4000))),
        ["password with NUL"] = BadLogin(f => LoginJson(f.User.Username, Password + "\u0000")),
        ["password with BEL"] = BadLogin(f => LoginJson(f.User.Username, Password + "\u0007")),
        ["password with a newline"] = BadLogin(f => LoginJson(f.User.Username, Password + "\n")),

        // Tokens at /me.
        ["token 5000 characters, validly signed"] = BadToken(f => f.Signed(f.Header(), f.Payload(extra: $"\"pad\":\"{new string('x', OverLimit)}\""))),
        ["token of 5000 letters"] = BadToken(_ => new string('a', OverLimit)),
        ["token malformed base64"] = BadToken(_ => "e$y!.e@y#.%^&*"),
        ["token with two segments"] = BadToken(f => string.Join('.', f.Signed(f.Header(), f.Payload()).Split('.')[..2])),
        ["token with four segments"] = BadToken(f => f.Signed(f.Header(), f.Payload()) + ".AAAA"),
        ["token with empty segments"] = BadToken(_ => ".."),
        ["token alg none"] = BadToken(f => ForgedJwt.Unsigned(f.Header(alg: "none"), f.Payload())),
        ["token alg none, signature kept"] = BadToken(f =>
        {
            var parts = f.Signed(f.Header(), f.Payload()).Split('.');
            return $"{Jwt.ToBase64Url(f.Header(alg: "none"))}.{parts[1]}.{parts[2]}";
        }),
        ["token HS512 with the real key"] = BadToken(f => f.Signed(f.Header(alg: "HS512"), f.Payload(), HashAlgorithmName.SHA512)),
        ["token HS256 keyed with the published public key"] = BadToken(f => f.Signed(f.Header(alg: "HS256"), f.Payload(), HashAlgorithmName.SHA256)),
        ["token RS256"] = BadToken(f =>
        {
            using var rsa = RSA.Create(2048);
            return ForgedJwt.Rsa(f.Header(alg: "RS256"), f.Payload(), rsa);
        }),
        ["token without alg"] = BadToken(f => f.Signed(f.Header(alg: ""), f.Payload())),
        ["token typ JWT"] = BadToken(f => f.Signed(f.Header(typ: "JWT"), f.Payload())),
        ["token kid path-like"] = BadToken(f => f.Signed(f.Header(kid: "../../etc/passwd"), f.Payload())),
        ["token kid with odd characters"] = BadToken(f => f.Signed(f.Header(kid: "\u0000'\"<x>;%00*\\\u202E"), f.Payload())),
        ["token kid empty"] = BadToken(f => f.Signed(f.Header(kid: ""), f.Payload())),
        ["token kid a number"] = BadToken(f => f.Signed(f.Header().Replace($"\"kid\":\"{f.Key.KeyId}\"", "\"kid\":42", StringComparison.Ordinal), f.Payload())),
        ["token with its own jwk, signed with it"] = BadToken(f =>
        {
            var attackerKey = RandomNumberGenerator.GetBytes(32);
            var jwk = $"\"jwk\":{{\"kty\":\"oct\",\"k\":\"{Jwt.ToBase64Url(attackerKey)}\"}}";
            return ForgedJwt.Hmac(f.Header(extra: jwk), f.Payload(), attackerKey, HashAlgorithmName.SHA256);
        }),
        ["token with a crit header"] = BadToken(f => f.Signed(f.Header(extra: "\"crit\":[\"exp\"]"), f.Payload())),
        ["token with an unknown crit header"] = BadToken(f => f.Signed(f.Header(extra: "\"crit\":[\"x-policy\"],\"x-policy\":1"), f.Payload())),
        ["token with duplicate sub"] = BadToken(f => f.Signed(f.Header(), f.Payload(extra: $"\"sub\":{JsonSerializer.Serialize(f.User.Id)}"))),
        ["token with duplicate exp"] = BadToken(f => f.Signed(f.Header(), f.Payload(extra: $"\"exp\":{DateTimeOffset.UtcNow.AddDays(30).ToUnixTimeSeconds()}"))),
        ["token with duplicate header alg"] = BadToken(f => f.Signed(f.Header(extra: "\"alg\":\"HS256\""), f.Payload())),
        ["token sub a number"] = BadToken(f => f.Signed(f.Header(), f.Payload(new Dictionary<string, string?> { ["sub"] = "123" }))),
        ["token sub an array"] = BadToken(f => f.Signed(f.Header(), f.Payload(new Dictionary<string, string?> { ["sub"] = $"[{JsonSerializer.Serialize(f.User.Id)}]" }))),
        ["token sid a number"] = BadToken(f => f.Signed(f.Header(), f.Payload(new Dictionary<string, string?> { ["sid"] = "1" }))),
        ["token exp not numeric"] = BadToken(f => f.Signed(f.Header(), f.Payload(new Dictionary<string, string?> { ["exp"] = "\"tomorrow\"" }))),
        ["token exp an object"] = BadToken(f => f.Signed(f.Header(), f.Payload(new Dictionary<string, string?> { ["exp"] = "{}" }))),
        ["token without exp"] = BadToken(f => f.Signed(f.Header(), f.Payload(new Dictionary<string, string?> { ["exp"] = null }))),
        ["token iat not numeric"] = BadToken(f => f.Signed(f.Header(), f.Payload(new Dictionary<string, string?> { ["iat"] = "\"now\"" }))),
        ["token payload not an object"] = BadToken(f => f.Signed(f.Header(), "[1,2,3]")),
        ["token payload not json"] = BadToken(f => f.Signed(f.Header(), "not json")),

        // Cookies at the token endpoint.
        ["two session cookies"] = NoSession(f => $"{AuthApiClient.CookieName}={f.Session.CookieValue}; {AuthApiClient.CookieName}={f.OtherSession.CookieValue}"),
        ["the same session cookie twice"] = NoSession(f => $"{AuthApiClient.CookieName}={f.Session.CookieValue}; {AuthApiClient.CookieName}={f.Session.CookieValue}"),
        ["10 KB session cookie"] = NoSession(_ => $"{AuthApiClient.CookieName}={new string('A', 10 * 1024)}"),
        ["10 KB session cookie starting with a live one"] = NoSession(f => $"{AuthApiClient.CookieName}={f.Session.CookieValue}{new string('A', 10 * 1024)}"),
        ["session cookie with a non-base64 secret"] = NoSession(f =>
        {
            var parts = f.Session.CookieValue.Split('.');
            return $"{AuthApiClient.CookieName}={parts[0]}.{parts[1]}.{new string('*', parts[2].Length)}";
        }),
        ["session cookie with a non-base64 session id"] = NoSession(f =>
        {
            var parts = f.Session.CookieValue.Split('.');
            return $"{AuthApiClient.CookieName}={parts[0]}.{new string('+', parts[1].Length)}.{parts[2]}";
        }),
        ["session cookie with an upper-case user id"] = NoSession(f =>
        {
            var parts = f.Session.CookieValue.Split('.');
            return $"{AuthApiClient.CookieName}={parts[0].ToUpperInvariant()}.{parts[1]}.{parts[2]}";
        }),
        ["session cookie percent-encoded"] = NoSession(f => $"{AuthApiClient.CookieName}={Uri.EscapeDataString(f.Session.CookieValue).Replace(".", "%2E", StringComparison.Ordinal)}"),
    };

    public static TheoryData<string> CaseNames => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Hostile_input_gets_the_documented_4xx_and_never_a_500(string name)
    {
        var hostile = Cases[name];

        using var request = hostile.Request(fixture);
        using var response = await fixture.Host.Client.SendAsync(request);

        Assert.NotEqual(HttpStatusCode.InternalServerError, response.StatusCode);
        await Responses.AssertProblemAsync(response, hostile.Status, hostile.Code);
        Responses.AssertNoSessionCookieIsSet(response);
        if (hostile.Code == "invalid_token")
        {
            await Responses.AssertInvalidTokenAsync(response);
        }

        if (hostile.Code == "no_session")
        {
            Responses.AssertClearsSessionCookie(response);
        }

        // The shared session is untouched by any of it.
        await fixture.Host.Api.GetTokenAsync(fixture.Session.CookieValue);
    }

    [Fact]
    public async Task A_token_built_like_the_hostile_ones_but_without_the_hostile_trait_is_accepted()
    {
        // The control for the token cases: the builder itself makes tokens the service accepts, so each
        // hostile token above is refused for its one hostile trait.
        var token = fixture.Signed(fixture.Header(), fixture.Payload());

        var me = await fixture.Host.Api.GetMeAsync(token);

        Assert.Equal(fixture.User.Id, me.GetProperty("sub").GetString());
        Assert.Equal(fixture.SessionId, me.GetProperty("sid").GetString());
    }

    [Fact]
    public async Task The_login_cases_would_log_in_without_their_hostile_trait()
    {
        // The control for the login cases: the same user and password, sent plainly, log in.
        using var json = await fixture.Host.Client.SendAsync(LoginJson(fixture.User.Username, Password));
        await Responses.AssertStatusAsync(json, HttpStatusCode.OK, "plain JSON login");

        using var form = await fixture.Host.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "api/auth/login")
        {
            Content = new FormUrlEncodedContent([KeyValuePair.Create("username", fixture.User.Username), KeyValuePair.Create("password", Password)]),
        });
        Assert.Equal(HttpStatusCode.SeeOther, form.StatusCode);

        // A body just under the cap, chunked, is read whole.
        var padded = JsonSerializer.SerializeToUtf8Bytes(new { username = fixture.User.Username, password = Password });
        using var chunked = new HttpRequestMessage(HttpMethod.Post, "api/auth/login") { Content = new UnknownLengthContent([.. padded, .. Enumerable.Repeat((byte)' ', 4096 - padded.Length)]) };
        chunked.Headers.TransferEncodingChunked = true;
        using var chunkedResponse = await fixture.Host.Client.SendAsync(chunked);
        await Responses.AssertStatusAsync(chunkedResponse, HttpStatusCode.OK, "chunked login of exactly 4096 bytes");
    }

    [Fact]
    public async Task Look_alike_spellings_name_one_account_log_in_to_it_and_cannot_be_created_again()
    {
        var admin = fixture.Host.Service<UserAdministration>();
        var alice = await admin.AddAsync("alice", Password, CancellationToken.None);

        foreach (var spelling in new[] { "ＡＬＩＣＥ", "Alice", "ALICE", "ａｌｉｃｅ", " alice " })
        {
            using var response = await fixture.Host.Api.LoginJsonAsync(spelling, Password);
            await Responses.AssertStatusAsync(response, HttpStatusCode.OK, $"login as '{spelling}'");
            Assert.Equal(alice.Id, (await Responses.ReadJsonAsync(response)).GetProperty("userId").GetString());
        }

        foreach (var spelling in new[] { "ＡＬＩＣＥ", "ａｌｉｃｅ", "Alice", "alice ", "ａlice", "ALICE" })
        {
            var error = await Record.ExceptionAsync(() => admin.AddAsync(spelling, Password, CancellationToken.None));
            Assert.True(error is DuplicateUsernameException, $"Creating '{spelling}' next to 'alice': {error?.GetType().Name ?? "created a second account"}");
        }
    }

    [Fact]
    public async Task A_dotted_capital_I_spelling_cannot_be_created_next_to_the_plain_name()
    {
        // "TİM" (U+0130, LATIN CAPITAL LETTER I WITH DOT ABOVE) next to "tim": a look-alike that
        // NFKC leaves alone; only lower-casing it to "i" makes it the same name.
        var admin = fixture.Host.Service<UserAdministration>();
        var tim = await admin.AddAsync("tim", Password, CancellationToken.None);

        UserAccount? second = null;
        var error = await Record.ExceptionAsync(async () => second = await admin.AddAsync("TİM", Password, CancellationToken.None));

        Assert.True(error is DuplicateUsernameException,
            $"Creating 'TİM' next to 'tim' ({tim.Id}): {error?.GetType().Name ?? $"created a second account {second?.Id} with normalized name '{second?.NormalizedUsername}' ({string.Join(' ', (second?.NormalizedUsername ?? "").Select(c => $"U+{(int)c:X4}"))})"}");
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("a#b")]
    [InlineData("a?b")]
    [InlineData("a%2Fb'\"")]
    public async Task Usernames_with_characters_table_keys_forbid_are_stored_encoded_and_log_in(string name)
    {
        var username = name + "-" + Guid.NewGuid().ToString("N")[..6];
        var user = await fixture.Host.Service<UserAdministration>().AddAsync(username, Password, CancellationToken.None);

        var login = await fixture.Host.Api.LoginAsync(user);
        Assert.Equal(user.Id, login.UserId);
        var me = await fixture.Host.Api.GetMeAsync(await fixture.Host.Api.GetTokenAsync(login.CookieValue));
        Assert.Equal(username, me.GetProperty("name").GetString());

        // And the name is still unique in its encoded form.
        await Assert.ThrowsAsync<DuplicateUsernameException>(() => fixture.Host.Service<UserAdministration>().AddAsync(username.ToUpperInvariant(), Password, CancellationToken.None));
    }

    /// <summary>A body whose length is not known up front, so it goes out chunked without Content-Length.</summary>
    private sealed class UnknownLengthContent : HttpContent
    {
        private readonly byte[] _bytes;

        public UnknownLengthContent(byte[] bytes)
        {
            _bytes = bytes;
            Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(_bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}

public sealed class FunctionsHostileInputFixture(AzuriteFixture azurite) : HostileInputFixture(azurite)
{
    public override HostKind Kind => HostKind.Functions;
}

[Collection(AzuriteCollection.Name)]
public sealed class HostileInputTestsOnAspNetCore(HostileInputFixture fixture) : HostileInputTests(fixture), IClassFixture<HostileInputFixture>;

[Collection(FunctionsCollection.Name)]
public sealed class HostileInputTestsOnFunctions(FunctionsHostileInputFixture fixture) : HostileInputTests(fixture), IClassFixture<FunctionsHostileInputFixture>;
