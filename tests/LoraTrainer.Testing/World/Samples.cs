using LoraTrainer.Testing;

namespace LoraTrainer.Testing.World;

/// <summary>The manifests in <c>config/samples</c>, as a user applies them.</summary>
internal static class Samples
{
    public static string Read(string file) => File.ReadAllText(RepositoryRoot.Combine("config", "samples", file));

    /// <summary>
    /// The minimal sample renamed to <paramref name="name"/>, with the run policy a fault scenario needs: short
    /// deadlines so a stall is noticed in seconds. With <paramref name="interrupted"/> the run rents interruptible (bid)
    /// GPUs and waits that long for a paused one. <paramref name="saveStateEveryNEpochs"/> overrides the default of saving
    /// the training state every epoch.
    /// </summary>
    public static string Minimal(string name, string deadline = "20s", string? heartbeat = null, int backoffLimit = 2, int epochs = 4, string? interrupted = null, int? saveStateEveryNEpochs = null) =>
        Read("trainingrun-minimal.yaml").Replace("name: minimal", $"name: {name}", StringComparison.Ordinal).TrimEnd() + (interrupted is null ? "" : """

          gpu:
            interruptible: true
        """) + $"""

          training:
            maxTrainEpochs: {epochs}
          runPolicy:
            backoffLimit: {backoffLimit}
            deadlines:
              pendingGpu: {deadline}
              pendingImages: {deadline}
              pendingModel: {deadline}
              heartbeat: {heartbeat ?? deadline}
              interrupted: {interrupted ?? "10m"}

        """ + (saveStateEveryNEpochs is { } every ? $"    saveStateEveryNEpochs: {every}\n" : "");

    /// <summary>
    /// A four-epoch run named <c>sampled</c> that draws two prompts at each epoch and before training, keeping
    /// <paramref name="keep"/> epochs, optionally with <c>output.selectedEpoch</c> and a <c>runPolicy.saveStateEveryNEpochs</c>
    /// (a run that saves state keeps every epoch's file whatever <paramref name="keep"/> says).
    /// </summary>
    public static string Sampled(int? selectedEpoch = null, string keep = "all", int? saveStateEveryNEpochs = null) => Read("trainingrun-minimal.yaml")
        .Replace("name: minimal", "name: sampled", StringComparison.Ordinal)
        .Replace("      prefix: loras/anna/", $"      prefix: loras/anna/\n    keep: {keep}" + (selectedEpoch is { } e ? $"\n    selectedEpoch: {e}" : ""), StringComparison.Ordinal)
        .TrimEnd() + """

          training:
            maxTrainEpochs: 4
          samples:
            atFirst: true
            prompts:
              - prompt: ohwx woman, portrait
                seed: 1234
              - {}

        """ + (saveStateEveryNEpochs is { } every ? $"  runPolicy:\n    saveStateEveryNEpochs: {every}\n" : "");
}
