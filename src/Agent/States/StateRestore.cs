using LoraTrainer.Agent.Downloads;
using LoraTrainer.Agent.Running;
using LoraTrainer.Protocol;
using Microsoft.Extensions.Logging;

namespace LoraTrainer.Agent.States;

/// <summary>Where training starts: the state it resumes from (null for epoch 1), and a sentence for the user when a saved state could not be used.</summary>
/// <param name="State">The state folder to pass as <c>--resume</c>.</param>
/// <param name="Problem">Why a saved state was not used; null when none was offered or it was used.</param>
internal sealed record RestoredState(LocalState? State, string? Problem);

/// <summary>
/// Finds the state to resume from: the newest complete state folder on this machine (a container restarted in place
/// keeps its work directory, so nothing is downloaded), else the state an earlier attempt uploaded
/// (<see cref="StatePlan.Restore"/>), downloaded, checked against its SHA-256 and unpacked. A state that cannot be used
/// means a clean start, said in <see cref="RestoredState.Problem"/>, never a failed run.
/// </summary>
internal sealed class StateRestore(ResumableDownloader downloader, WorkLayout work, ILogger<StateRestore> logger)
{
    /// <summary>The state to resume from for a run whose LoRA files are named <paramref name="outputName"/>.</summary>
    public async Task<RestoredState> RestoreAsync(StatePlan? plan, string outputName, CancellationToken cancellationToken)
    {
        if (StateFolders.Newest(work.OutputDirectory, outputName) is { } local)
        {
            StateLog.ResumingLocal(logger, local.Epoch);
            return new RestoredState(local, null);
        }

        if (plan?.Restore is not { } saved)
        {
            return new RestoredState(null, null);
        }

        var tar = Path.Combine(work.Root, "downloads", "state.tar");
        try
        {
            await downloader.DownloadAsync(
                new DownloadRequest($"saved state of epoch {saved.Epoch}", Stages.Training, saved.Url, null, tar, saved.Bytes, saved.Sha256), cancellationToken);
            Directory.CreateDirectory(work.OutputDirectory);
            if (await StateFolders.UnpackAsync(tar, work.OutputDirectory, cancellationToken) is { } restored)
            {
                StateLog.ResumingSaved(logger, restored.Epoch);
                return new RestoredState(restored, null);
            }

            return Unusable(saved, "it is not a readable state tar");
        }
        catch (StageFailure failure)
        {
            return Unusable(saved, failure.Message);
        }
        finally
        {
            File.Delete(tar);
        }
    }

    private RestoredState Unusable(SavedStateSource saved, string why)
    {
        var problem = $"the saved state of epoch {saved.Epoch} could not be used ({why.TrimEnd('.')}); training starts again from epoch 1";
        StateLog.Unusable(logger, problem);
        return new RestoredState(null, problem);
    }
}
