namespace ServerlessAuth.Users;

public sealed record UserAccount
{
    /// <summary>Stable random id (32 hex digits); the token's <c>sub</c>. Never the username.</summary>
    public required string Id { get; init; }

    /// <summary>The name as the user registered it, shown back in <c>name</c>.</summary>
    public required string Username { get; init; }

    public required string NormalizedUsername { get; init; }

    public required string PasswordHash { get; init; }

    public bool Disabled { get; init; }

    /// <summary>Sessions created and tokens issued before this instant are refused (global logout).</summary>
    public DateTimeOffset? TokensValidAfter { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public static string NewId() => Guid.NewGuid().ToString("N");
}
