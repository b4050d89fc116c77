using System.Net;
using System.Runtime.CompilerServices;
using LoraTrainer.Api;
using LoraTrainer.Cli.Cluster;
using LoraTrainer.Cluster;

namespace LoraTrainer.Cli.Runs;

/// <summary>
/// Reads a run until it ends (or, for a dry run, until its plan is written), yielding each new version: one read, then
/// a watch on that run alone, so an epoch shows the moment the receiver writes it. A watch the server closes is opened
/// again from the last version seen; an expired version (410), a dropped connection or any other failed watch reads the run again first. A user
/// who may read runs but not watch them (403 on the watch) is followed by reading the run every <paramref name="pollInterval"/>.
/// </summary>
internal sealed class RunFollower(KubeSession cluster, TimeProvider time, TimeSpan pollInterval)
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(2);

    /// <summary>How long the server keeps one watch open before the follower opens the next.</summary>
    private const int WatchSeconds = 300;

    public async IAsyncEnumerable<TrainingRun> FollowAsync(string name, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var run = await cluster.GetAsync(name, cancellationToken);
        yield return run;
        var seen = run.Metadata.ResourceVersion;
        var next = Next.Watch;
        while (!IsDone(run))
        {
            // Polling, or after a lost watch: what changed meanwhile is in the run as it is now.
            if (next != Next.Watch)
            {
                next = next == Next.ReadThenWatch ? Next.Watch : Next.Read;
                await Task.Delay(pollInterval, time, cancellationToken);
                run = await cluster.GetAsync(name, cancellationToken);
                if (run.Metadata.ResourceVersion != seen)
                {
                    seen = run.Metadata.ResourceVersion;
                    yield return run;
                }

                continue;
            }

            var changes = cluster.WatchAsync(name, seen, WatchSeconds, cancellationToken).GetAsyncEnumerator(cancellationToken);
            await using (changes)
            {
                while (true)
                {
                    Next? ended;
                    try
                    {
                        // A watch the server closed is opened again from where it ended.
                        ended = await changes.MoveNextAsync() ? null : Next.Watch;
                    }
                    catch (KubernetesApiException refused) when (refused.StatusCode == HttpStatusCode.Forbidden)
                    {
                        ended = Next.Read;
                    }
                    catch (Exception ex) when (ex is KubernetesApiException or HttpRequestException or IOException or System.Text.Json.JsonException
                                               || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
                    {
                        // 410 for an expired version, a dropped stream, an error event: a read tells what is true now,
                        // and says in one line why when the cluster itself is the problem.
                        ended = Next.ReadThenWatch;
                    }

                    if (ended is { } then)
                    {
                        next = then;
                        break;
                    }

                    var (type, changed, version) = changes.Current;
                    if (type == WatchEventType.Deleted)
                    {
                        // Says, in the plugin's words, that the run is gone.
                        await cluster.GetAsync(name, cancellationToken);
                    }

                    seen = version ?? seen;
                    if (changed is not null && type is WatchEventType.Added or WatchEventType.Modified)
                    {
                        run = changed;
                        yield return run;
                        if (IsDone(run))
                        {
                            break;
                        }
                    }
                }
            }
        }
    }

    /// <summary>How the follower learns of the next change: the watch, one read before watching again, or reads from now on (no permission to watch).</summary>
    private enum Next
    {
        Watch,
        ReadThenWatch,
        Read,
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
