using System.Text.Json.Serialization;
using ServerlessAuth.Introspection;

namespace ServerlessAuth.Http.Contracts;

/// <summary>RFC 7662 2.2: <c>{"active":false}</c> alone for anything inactive; times are unix seconds.</summary>
public sealed record IntrospectionResponse(
    [property: JsonPropertyName("active")] bool Active,
    [property: JsonPropertyName("token_type"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? TokenType = null,
    [property: JsonPropertyName("sub"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Subject = null,
    [property: JsonPropertyName("username"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Username = null,
    [property: JsonPropertyName("sid"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? SessionId = null,
    [property: JsonPropertyName("jti"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? TokenId = null,
    [property: JsonPropertyName("iat"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? IssuedAt = null,
    [property: JsonPropertyName("exp"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? ExpiresAt = null,
    [property: JsonPropertyName("auth_time"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? AuthTime = null,
    [property: JsonPropertyName("iss"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Issuer = null,
    [property: JsonPropertyName("aud"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Audience = null)
{
    public static readonly IntrospectionResponse Inactive = new(false);

    public static IntrospectionResponse From(IntrospectedToken? token) => token is null
        ? Inactive
        : new(true, token.TokenType, token.Subject, token.Username, token.SessionId, token.TokenId,
            token.IssuedAt?.ToUnixTimeSeconds(), token.ExpiresAt.ToUnixTimeSeconds(), token.AuthTime?.ToUnixTimeSeconds(), token.Issuer, token.Audience);
}
