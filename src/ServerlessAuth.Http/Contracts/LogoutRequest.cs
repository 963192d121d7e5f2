using System.Text.Json.Serialization;

namespace ServerlessAuth.Http.Contracts;

/// <summary>Optional JSON body of <c>POST /api/auth/logout</c>; <c>?scope=</c> works too.</summary>
public sealed record LogoutRequest(
    string? Scope,
    [property: JsonPropertyName("refresh_token")] string? RefreshToken = null);
