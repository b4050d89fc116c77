using System.ComponentModel.DataAnnotations;
using LoraTrainer.Cluster;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.Runtime;

/// <summary>Leader election settings (configuration section <c>Operator:LeaderElection</c>).</summary>
public sealed class LeaderElectionOptions : IValidatableObject
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Operator:LeaderElection";

    /// <summary>Whether to elect a leader; turn off only when a single replica runs. Defaults to true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Namespace of the Lease. Defaults to the pod's namespace, else <c>default</c>.</summary>
    public string? LeaseNamespace { get; set; }

    /// <summary>Name of the Lease. Defaults to <c>loratrainer-operator</c>.</summary>
    [Required]
    public string LeaseName { get; set; } = "loratrainer-operator";

    /// <summary>This replica's identity. Defaults to the pod name (HOSTNAME) plus a random suffix.</summary>
    public string? Identity { get; set; }

    /// <summary>How long a lease is valid without renewal; longer than <see cref="RenewDeadline"/>. Defaults to 15 seconds.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader keeps trying to renew before giving up; longer than <see cref="RetryPeriod"/>. Defaults to 10 seconds.</summary>
    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often candidates try to acquire or renew. Defaults to 2 seconds.</summary>
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The timings must satisfy RetryPeriod &lt; RenewDeadline &lt; LeaseDuration: a leader gives up before its lease
    /// can expire, so a new leader never starts while the old one still runs.
    /// </summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        const string section = "Operator:LeaderElection";
        if (RetryPeriod <= TimeSpan.Zero)
        {
            yield return new ValidationResult($"{section}:RetryPeriod ({RetryPeriod}) must be positive.", [nameof(RetryPeriod)]);
        }

        if (RenewDeadline <= RetryPeriod)
        {
            yield return new ValidationResult(
                $"{section}:RenewDeadline ({RenewDeadline}) must be longer than RetryPeriod ({RetryPeriod}), so a leader can retry a failed renewal before giving up.",
                [nameof(RenewDeadline), nameof(RetryPeriod)]);
        }

        if (LeaseDuration < TimeSpan.FromSeconds(1))
        {
            yield return new ValidationResult($"{section}:LeaseDuration ({LeaseDuration}) must be at least one second: the Lease stores whole seconds.", [nameof(LeaseDuration)]);
        }

        if (LeaseDuration <= RenewDeadline)
        {
            yield return new ValidationResult(
                $"{section}:LeaseDuration ({LeaseDuration}) must be longer than RenewDeadline ({RenewDeadline}), or another replica can take the lease while this one still leads.",
                [nameof(LeaseDuration), nameof(RenewDeadline)]);
        }
    }
}

/// <summary>
/// Checks <see cref="LeaderElectionOptions"/> (its attributes and its <see cref="LeaderElectionOptions.Validate"/>) with
/// code generated at build time, which a Native AOT build can run where reflection-based data annotations cannot.
/// </summary>
[OptionsValidator]
internal sealed partial class LeaderElectionOptionsValidator : IValidateOptions<LeaderElectionOptions>;
