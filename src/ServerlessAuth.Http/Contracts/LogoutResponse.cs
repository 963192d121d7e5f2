namespace ServerlessAuth.Http.Contracts;

public sealed record LogoutResponse(string Scope, int SessionsEnded, bool TokenRevoked, bool AllTokensRevoked);
