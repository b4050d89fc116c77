using LoraTrainer.CommandLine;

namespace LoraTrainer.Webhook;

/// <summary>What the receiver's <c>--help</c> says, and where it listens by default.</summary>
internal static class ReceiverProgram
{
    /// <summary>
    /// The port of the agent API, the probes and <c>/metrics</c> when nothing else is configured; not the operator's, so
    /// both run side by side on one machine.
    /// </summary>
    public const int DefaultPort = 5090;

    public static ProgramInfo Info { get; } = new("loratrainer-receiver",
        "The LoraTrainer receiver: serves GPU agents their run's config and records their signed events in the TrainingRun's status.")
    {
        Usage = "usage: dotnet run --project src/Webhook [-- --Key=value ...]   (in its image: /app/loratrainer [--Key=value ...])",
        Settings =
        [
            new("KUBECONFIG", $"the kubeconfig of the cluster, or {ReceiverOptions.Section}:{nameof(ReceiverOptions.Kubeconfig)} (default ~/.kube/config, else in-cluster)"),
            .. ListenAddress.Settings(DefaultPort),
            ConsoleLogs.Setting,
        ],
        Options = [OptionsSection.Of<ReceiverOptions>(ReceiverOptions.Section)],
        Notes = "GPU hosts call it at the operator's Operator__ReceiverUrl, so that URL must reach this port.\n"
            + "Relative paths are read from the current directory. docs/configuration.md describes every setting.\n"
            + "Exit codes: 0 stopped, 2 cannot start (a setting is wrong, the kubeconfig is unusable, the port is taken).",
    };
}
