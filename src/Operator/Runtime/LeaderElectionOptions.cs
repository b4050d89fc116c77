using System.ComponentModel.DataAnnotations;
using LoraTrainer.Cluster;

namespace LoraTrainer.Operator.Runtime;

/// <summary>Leader election settings (configuration section <c>Operator:LeaderElection</c>).</summary>
public sealed class LeaderElectionOptions
{
    /// <summary>Whether to elect a leader; turn off only when a single replica runs. Defaults to true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Namespace of the Lease. Defaults to the pod's namespace, else <c>default</c>.</summary>
    public string? LeaseNamespace { get; set; }

    /// <summary>Name of the Lease. Defaults to <c>loratrainer-operator</c>.</summary>
    [Required]
    public string LeaseName { get; set; } = "loratrainer-operator";

    /// <summary>This replica's identity. Defaults to the pod name (HOSTNAME) plus a random suffix.</summary>
    public string? Identity { get; set; }

    /// <summary>How long a lease is valid without renewal. Defaults to 15 seconds.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader keeps trying to renew before giving up. Defaults to 10 seconds.</summary>
    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often candidates try to acquire or renew. Defaults to 2 seconds.</summary>
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);
}
