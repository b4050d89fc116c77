using System.Globalization;

namespace LoraTrainer.Agent.Training.Checkpoints;

/// <summary>
/// Maps an epoch to the file sd-scripts writes for it: <c>{output_name}-{epoch:000000}.safetensors</c> for the
/// epochs before the last, and <c>{output_name}.safetensors</c> (no suffix) for the final epoch.
/// </summary>
internal static class CheckpointFiles
{
    /// <summary>The file name of <paramref name="epoch"/> of a run of <paramref name="totalEpochs"/> epochs.</summary>
    public static string FileName(string outputName, int epoch, int totalEpochs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(epoch, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(epoch, totalEpochs);
        return epoch == totalEpochs
            ? $"{outputName}.safetensors"
            : string.Create(CultureInfo.InvariantCulture, $"{outputName}-{epoch:000000}.safetensors");
    }

    /// <summary>The full path of <paramref name="epoch"/>'s file in <paramref name="outputDirectory"/>.</summary>
    public static string PathOf(string outputDirectory, string outputName, int epoch, int totalEpochs) =>
        Path.Combine(outputDirectory, FileName(outputName, epoch, totalEpochs));
}
