using System.Text.Json;
using System.Text.RegularExpressions;
using LoraTrainer.Agent.Reporting;
using LoraTrainer.Agent.Training.Checkpoints;
using LoraTrainer.Agent.Training.Output;
using LoraTrainer.Agent.Training.TensorBoard;
using LoraTrainer.Protocol;

namespace LoraTrainer.Agent.Training;

/// <summary>
/// <c>lora-agent replay &lt;log file&gt; [--tfevents &lt;dir&gt;]</c>: prints, one JSON line each, the training events the
/// agent would send for a captured sd-scripts console transcript (and its TensorBoard folder). For checking a new
/// sd-scripts release against the parser without a GPU.
/// </summary>
/// <remarks>
/// A transcript does not say whether the run held out a validation split; a validation loss in it (console or
/// TensorBoard) does, and the epoch is then chosen by validation loss as the live agent would.
/// </remarks>
internal static partial class ReplayCommand
{
    /// <summary>The usage line.</summary>
    public const string Usage = "usage: lora-agent replay <log file> [--tfevents <logging dir>]";

    /// <summary>Replays; returns 0 when the transcript is of a successful run, 1 when it failed, 2 on bad arguments.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        if (args.Count is not (1 or 3) || (args.Count == 3 && args[1] != "--tfevents") || !File.Exists(args[0]))
        {
            await error.WriteLineAsync(args.Count >= 1 && !File.Exists(args[0]) ? $"lora-agent: no such log file: {args[0]}" : Usage);
            return 2;
        }

        // Replayed after the fact, the whole TensorBoard log is there from the start; the live agent reads it as each epoch ends.
        var tensorBoard = args.Count == 3 ? EpochLossLog.ReadAll(args[2]) : EpochLosses.None;
        var monitor = new TrainingMonitor();
        var throttle = new ProgressThrottle(new ReportingPolicy());
        var outputName = "lora";
        var seq = 0L;
        async Task EmitAsync(AgentEvent evt) =>
            await output.WriteLineAsync(JsonSerializer.Serialize(evt with { Seq = ++seq }, ProtocolJsonContext.Default.AgentEvent));

        foreach (var line in ConsoleText.Lines(await File.ReadAllTextAsync(args[0])))
        {
            var signal = TrainerOutputParser.Parse(line);
            if (signal is CheckpointSaving saving)
            {
                outputName = OutputName(saving.Path);
            }

            foreach (var update in signal is null ? [] : monitor.Observe(signal))
            {
                // A transcript has no clock: progress is thinned by percent only.
                if (update is ProgressMoved moved && throttle.ShouldSend(moved.Progress.Percent, DateTimeOffset.UnixEpoch))
                {
                    await EmitAsync(TrainingEvents.Progress(moved));
                }
                else if (update is EpochEnded ended)
                {
                    await EmitAsync(TrainingEvents.EpochCompleted(ended, tensorBoard, monitor.TotalEpochs ?? ended.Epoch, outputName));
                }
            }
        }

        var totalEpochs = monitor.TotalEpochs ?? monitor.CurrentEpoch;
        var epochs = BestEpoch.Merge(totalEpochs, tensorBoard, monitor.ConsoleEpochLoss, monitor.ConsoleValidationLoss);
        var choice = BestEpoch.Choose(epochs, byValidation: epochs.Any(e => e.ValidationLoss is not null));
        if (monitor.Failure is null && monitor.ModelSaved && choice is not null)
        {
            await EmitAsync(TrainingEvents.TrainingCompleted(epochs, choice.Epoch, choice.Metric));
            return 0;
        }

        var reason = monitor.Failure?.Failure.Reason
            ?? (monitor.ModelSaved ? "No epoch has a usable loss." : "The transcript ends without \"model saved.\".");
        await EmitAsync(new AgentEvent { Kind = EventKinds.Failed, Stage = "training", Reason = reason, LogTail = monitor.Failure?.Line });
        return 1;
    }

    private static string OutputName(string checkpointPath) => EpochSuffix().Replace(Path.GetFileNameWithoutExtension(checkpointPath), "");

    [GeneratedRegex(@"-\d{6}$")]
    private static partial Regex EpochSuffix();
}
