namespace ServerlessAuth.Http.Contracts;

public sealed record HealthResponse(string Status, IReadOnlyDictionary<string, string> Checks);
