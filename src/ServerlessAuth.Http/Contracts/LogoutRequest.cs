namespace ServerlessAuth.Http.Contracts;

/// <summary>Optional JSON body of <c>POST /api/auth/logout</c>; <c>?scope=</c> works too.</summary>
public sealed record LogoutRequest(string? Scope);
