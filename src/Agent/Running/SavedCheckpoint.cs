using LoraTrainer.Agent.Training.Checkpoints;

namespace LoraTrainer.Agent.Running;

/// <summary>
/// Finds the file the trainer saved for an epoch and checks it before it is uploaded: it exists, is a readable
/// safetensors file, and its recorded <c>ss_epoch</c> is the epoch it is uploaded as, so a wrong epoch-to-file
/// mapping can never ship the wrong LoRA.
/// </summary>
internal static class SavedCheckpoint
{
    /// <summary>The checked path of <paramref name="epoch"/>'s file; throws <see cref="StageFailure"/> (stage upload) when it is unfit.</summary>
    public static string Verify(string outputDirectory, string outputName, int epoch, int totalEpochs)
    {
        var path = CheckpointFiles.PathOf(outputDirectory, outputName, epoch, totalEpochs);
        return Problem(path, epoch, out var cause) is { } problem ? throw new StageFailure(Stages.Upload, problem, cause) : path;
    }

    /// <summary>Whether <paramref name="epoch"/>'s file is there and fit to upload (a trainer stopped mid-write leaves a partial one).</summary>
    public static bool IsWhole(string outputDirectory, string outputName, int epoch, int totalEpochs) =>
        Problem(CheckpointFiles.PathOf(outputDirectory, outputName, epoch, totalEpochs), epoch, out _) is null;

    /// <summary>Why <paramref name="path"/> may not be uploaded as <paramref name="epoch"/>, or null when it is fit.</summary>
    public static string? Problem(string path, int epoch, out Exception? cause)
    {
        cause = null;
        if (!File.Exists(path))
        {
            return $"The file of epoch {epoch} ({Path.GetFileName(path)}) is missing from the output folder.";
        }

        int? recorded;
        try
        {
            recorded = SafetensorsHeader.Epoch(SafetensorsHeader.ReadMetadata(path));
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException)
        {
            cause = ex;
            return $"{Path.GetFileName(path)} is not a readable safetensors file: {ex.Message}";
        }

        return recorded is { } found && found != epoch
            ? $"{Path.GetFileName(path)} records ss_epoch {found}, not epoch {epoch}; nothing was uploaded as the wrong epoch."
            : null;
    }
}
