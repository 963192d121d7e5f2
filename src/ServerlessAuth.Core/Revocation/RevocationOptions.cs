using System.ComponentModel.DataAnnotations;

namespace ServerlessAuth.Revocation;

public enum RevocationMode
{
    /// <summary>Protected requests read no storage: an in-memory replica follows the revocation feed.</summary>
    Replica,

    /// <summary>Protected requests read the tables (denylist, session, user, cutoff): zero delay, one round trip each.</summary>
    Strict,
}

/// <summary>Settings of the <c>Revocation</c> section.</summary>
public sealed class RevocationOptions : IValidatableObject
{
    public const string SectionName = "Revocation";

    public RevocationMode Mode { get; set; } = RevocationMode.Replica;

    /// <summary>How often each instance queries the feed for new events.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:00:30", ErrorMessage = "Revocation:PollInterval must be between 100 ms and 30 seconds.")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// In Replica mode, a token is refused (503) when the replica's last completed poll began longer ago
    /// than this: the hard bound on how long a revocation can go unseen.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "00:05:00", ErrorMessage = "Revocation:StalenessBound must be between 500 ms and 5 minutes.")]
    public TimeSpan StalenessBound { get; set; } = TimeSpan.FromSeconds(3);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (StalenessBound <= PollInterval)
        {
            yield return new ValidationResult(
                "Revocation:StalenessBound must be longer than Revocation:PollInterval, or every pause between polls would refuse tokens.",
                [nameof(StalenessBound)]);
        }
    }
}
