using LoraTrainer.Testing.Civitai;
using LoraTrainer.Testing.Operators;
using LoraTrainer.Testing.Vast;

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

    /// <summary>The connection settings for these fakes plus <paramref name="overrides"/> (the few a measurement needs short).</summary>
    public static Dictionary<string, string?> For(Uri receiver, VastSimulator vast, Uri s3, CivitaiFake civitai, IReadOnlyDictionary<string, string?> overrides)
    {
        var forFakes = OperatorSettings.ForFakes(receiver, vast, s3, civitai, ClusterName);
        var settings = ConnectionKeys.Where(forFakes.ContainsKey).ToDictionary(key => key, key => forFakes[key]);
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        return settings;
    }
}
