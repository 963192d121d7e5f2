namespace ServerlessAuth.Http.Contracts;

public sealed record LoginResponse(string UserId, string Username, DateTimeOffset SessionExpiresAt);
