using LoraTrainer.Testing.Operators;

namespace LoraTrainer.Benchmarks.Money;

/// <summary>
/// The operator's configuration for the money benchmark: where each fake listens, and otherwise the operator's own
/// defaults (pacing, retries, confirmation reads, check intervals, leader election), not the short test intervals
/// of <see cref="OperatorSettings.ForFakes"/>.
/// </summary>
internal static class MoneySettings
{
    /// <summary>The instance label's cluster name.</summary>
    public const string ClusterName = "money";

    /// <summary>Keys that only say where a fake is and how to reach it; everything else keeps the operator's default.</summary>
    private static readonly string[] ConnectionKeys =
    [
        "Operator:ClusterName", "Operator:ReceiverUrl", "Vast:BaseUrl", "Vast:ApiKey", "Civitai:BaseUrl",
        "S3:Provider", "S3:ServiceUrl", "S3:Region", "S3:ChecksumMode", "S3:AccessKeyId", "S3:SecretAccessKey",
    ];

    /// <summary>Keeps only the connection settings of <paramref name="forFakes"/> (<see cref="OperatorSettings.ForFakes"/>) and adds <paramref name="overrides"/> (the few a measurement needs short).</summary>
    public static void Apply(Dictionary<string, string?> forFakes, IReadOnlyDictionary<string, string?> overrides)
    {
        foreach (var key in forFakes.Keys.Except(ConnectionKeys).ToList())
        {
            forFakes.Remove(key);
        }

        forFakes["Operator:ClusterName"] = ClusterName;
        foreach (var (key, value) in overrides)
        {
            forFakes[key] = value;
        }
    }
}
