namespace ServerlessAuth.Storage;

/// <summary>
/// Settings of the <c>AuthStorage</c> section: where the Table Storage tables live.
/// Either a connection string (Azurite, local runs) or a table service URI reached with the
/// managed identity (Azure; <c>AZURE_CLIENT_ID</c> selects a user-assigned identity).
/// </summary>
public sealed class StorageOptions
{
    public const string SectionName = "AuthStorage";

    public string? ConnectionString { get; set; }

    public Uri? TableServiceUri { get; set; }

    /// <summary>Prefix of every table name, so that several deployments or test runs can share an account.</summary>
    public string TablePrefix { get; set; } = "";

    /// <summary>Upper bound of one storage call, retries included; past it the request fails closed with 503.</summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
