namespace LoraTrainer.Agent.Training.TensorBoard;

/// <summary>Per-epoch losses from the TensorBoard log, each epoch → its mean.</summary>
/// <param name="Training">The mean training loss per epoch.</param>
/// <param name="Validation">The mean validation loss per validated epoch; empty when the run does not validate.</param>
internal sealed record EpochLosses(IReadOnlyDictionary<int, double> Training, IReadOnlyDictionary<int, double> Validation)
{
    /// <summary>No epoch logged yet.</summary>
    public static EpochLosses None { get; } = new(new Dictionary<int, double>(), new Dictionary<int, double>());
}

/// <summary>
/// Reads the per-epoch losses sd-scripts logs to TensorBoard from every event file under the logging directory, at
/// full precision: the training mean (<c>loss/epoch_average</c>, older releases <c>loss/epoch</c>) and, when the
/// run holds out a validation split, the validation mean (<c>loss/validation/epoch_average</c>); step = epoch number.
/// </summary>
internal static class EpochLossLog
{
    /// <summary>The tag of current sd-scripts releases.</summary>
    public const string EpochAverageTag = "loss/epoch_average";

    /// <summary>The tag of older releases.</summary>
    public const string LegacyEpochTag = "loss/epoch";

    /// <summary>The validation tag (sd-scripts v0.10 and later, with <c>validation_split</c> set).</summary>
    public const string ValidationEpochAverageTag = "loss/validation/epoch_average";

    /// <summary>Epoch → mean training loss; empty when there is no event file or no epoch scalar yet.</summary>
    public static IReadOnlyDictionary<int, double> Read(string loggingDirectory) => ReadAll(loggingDirectory).Training;

    /// <summary>Both per-epoch losses; empty maps when there is no event file or no epoch scalar yet.</summary>
    /// <remarks>The trainer is still writing these files, so a damaged or partial record ends that file's reading rather than failing the run.</remarks>
    public static EpochLosses ReadAll(string loggingDirectory)
    {
        var scalars = new List<Scalar>();
        if (Directory.Exists(loggingDirectory))
        {
            foreach (var file in Directory.EnumerateFiles(loggingDirectory, "events.out.tfevents.*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                scalars.AddRange(ReadFile(file));
            }
        }

        var trainingTag = scalars.Any(s => s.Tag == EpochAverageTag) ? EpochAverageTag : LegacyEpochTag;
        return new EpochLosses(ByEpoch(scalars, trainingTag), ByEpoch(scalars, ValidationEpochAverageTag));
    }

    private static Dictionary<int, double> ByEpoch(List<Scalar> scalars, string tag)
    {
        var losses = new Dictionary<int, double>();
        foreach (var scalar in scalars.Where(s => s.Tag == tag && s.Step is > 0 and <= int.MaxValue))
        {
            losses[(int)scalar.Step] = scalar.Value;
        }

        return losses;
    }

    private static IEnumerable<Scalar> ReadFile(string file)
    {
        byte[] data;
        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            data = copy.ToArray();
        }
        catch (IOException)
        {
            return [];
        }

        var scalars = new List<Scalar>();
        foreach (var record in TfRecordReader.Read(data).Records)
        {
            try
            {
                scalars.AddRange(ScalarEvent.Decode(record));
            }
            catch (InvalidDataException)
            {
                // A record that passed its CRC but is not an Event we understand: skip it, keep the rest.
            }
        }

        return scalars;
    }
}
