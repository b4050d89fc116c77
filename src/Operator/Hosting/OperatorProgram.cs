using LoraTrainer.CommandLine;
using LoraTrainer.Operator.Datasets;
using LoraTrainer.Operator.Models;
using LoraTrainer.Operator.Runtime;
using LoraTrainer.Operator.Storage;
using LoraTrainer.Operator.TrainingRuns;
using LoraTrainer.Operator.Vast;

namespace LoraTrainer.Operator.Hosting;

/// <summary>What the operator's <c>--help</c> says, and where it listens by default.</summary>
internal static class OperatorProgram
{
    /// <summary>
    /// The port of <c>/healthz</c>, <c>/readyz</c> and <c>/metrics</c> when nothing else is configured; not the receiver's
    /// (<c>ReceiverProgram.DefaultPort</c>), so both run side by side on one machine.
    /// </summary>
    public const int DefaultPort = 5080;

    public static ProgramInfo Info { get; } = new("loratrainer-operator",
        "The LoraTrainer operator: reconciles TrainingRuns, zips their datasets, rents GPUs on Vast.ai, and releases them.")
    {
        Usage = "usage: dotnet run --project src/Operator [-- --Key=value ...]   (in its image: /app/loratrainer [--Key=value ...])",
        Settings =
        [
            new($"{OperatorOptions.Section}:{nameof(OperatorOptions.ReceiverUrl)}", "the receiver's absolute URL as GPU hosts reach it (required)"),
            new($"{VastOptions.SectionName}:{nameof(VastOptions.ApiKey)}", $"the Vast.ai API key, or {VastOptions.SectionName}:{nameof(VastOptions.ApiKeyFile)}: a file holding it"),
            new($"{S3Options.SectionName}:{nameof(S3Options.AccessKeyId)}", $"S3 credentials, with {S3Options.SectionName}:{nameof(S3Options.SecretAccessKey)} and {S3Options.SectionName}:{nameof(S3Options.Region)} (or the AWS SDK's default chain)"),
            new($"{CivitaiOptions.SectionName}:{nameof(CivitaiOptions.ApiKey)}", "the Civitai API key, for models that need one"),
            new("KUBECONFIG", "the kubeconfig of the cluster to manage (default ~/.kube/config, else in-cluster)"),
            .. ListenAddress.Settings(DefaultPort),
            ConsoleLogs.Setting,
        ],
        Options =
        [
            OptionsSection.Of<OperatorOptions>(OperatorOptions.Section),
            OptionsSection.Of<LeaderElectionOptions>(LeaderElectionOptions.Section),
            OptionsSection.Of<VastOptions>(VastOptions.SectionName),
            OptionsSection.Of<S3Options>(S3Options.SectionName),
            OptionsSection.Of<CivitaiOptions>(CivitaiOptions.SectionName),
            OptionsSection.Of<DatasetOptions>(DatasetOptions.SectionName),
            OptionsSection.Of<LoraTrainer.Operator.ModelCache.ModelCacheOptions>(LoraTrainer.Operator.ModelCache.ModelCacheOptions.SectionName),
        ],
        Notes = "Relative paths are read from the current directory. docs/configuration.md describes every setting.\n"
            + "Exit codes: 0 stopped, 2 cannot start (a setting is missing or wrong, no cluster, the port is taken).",
    };
}
