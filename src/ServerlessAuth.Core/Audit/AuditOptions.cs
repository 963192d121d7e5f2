using System.ComponentModel.DataAnnotations;

namespace ServerlessAuth.Audit;

/// <summary>Settings of the <c>Audit</c> section.</summary>
public sealed class AuditOptions
{
    public const string SectionName = "Audit";

    /// <summary>How long audit records are kept; the purge deletes whole UTC days older than this.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00", ErrorMessage = "Audit:Retention must be between 1 day and 3650 days.")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(90);
}
