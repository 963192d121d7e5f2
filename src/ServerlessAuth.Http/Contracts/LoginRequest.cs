namespace ServerlessAuth.Http.Contracts;

/// <summary>JSON body of <c>POST /api/auth/login</c>. Form posts carry the same fields plus <c>returnUrl</c>.</summary>
public sealed record LoginRequest(string? Username, string? Password);
