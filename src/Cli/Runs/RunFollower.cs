using System.Runtime.CompilerServices;
using LoraTrainer.Api;
using LoraTrainer.Cli.Cluster;

namespace LoraTrainer.Cli.Runs;

/// <summary>Reads a run until it ends (or, for a dry run, until its plan is written), yielding each new version.</summary>
internal sealed class RunFollower(KubeSession cluster, TimeProvider time, TimeSpan interval)
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(2);

    public async IAsyncEnumerable<TrainingRun> FollowAsync(string name, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? seen = null;
        while (true)
        {
            var run = await cluster.GetAsync(name, cancellationToken);
            if (run.Metadata.ResourceVersion != seen)
            {
                seen = run.Metadata.ResourceVersion;
                yield return run;
            }

            if (IsDone(run))
            {
                yield break;
            }

            await Task.Delay(interval, time, cancellationToken);
        }
    }

    /// <summary>Completed, failed or stalled; for a dry run, planned (or refused).</summary>
    public static bool IsDone(TrainingRun run) =>
        run.Status?.Phase is TrainingPhase.Completed or TrainingPhase.Failed or TrainingPhase.Stalled
        || (run.Spec.DryRun && run.Status?.Plan is not null);

    /// <summary>0 for a completed run (or a planned dry run), 1 for a failed or stalled one.</summary>
    public static int ExitCode(TrainingRun run) =>
        run.Status?.Phase is TrainingPhase.Completed || (run.Spec.DryRun && run.Status?.Plan is not null && run.Status.Phase != TrainingPhase.Failed)
            ? CliExit.Ok
            : CliExit.Failed;
}
