namespace LoraTrainer.Agent.Training.TensorBoard;

/// <summary>
/// Reads the per-epoch mean loss sd-scripts logs to TensorBoard (<c>loss/epoch_average</c>, older releases
/// <c>loss/epoch</c>; step = epoch number) from every event file under the logging directory, at full precision.
/// </summary>
internal static class EpochLossLog
{
    /// <summary>The tag of current sd-scripts releases.</summary>
    public const string EpochAverageTag = "loss/epoch_average";

    /// <summary>The tag of older releases.</summary>
    public const string LegacyEpochTag = "loss/epoch";

    /// <summary>Epoch → mean loss; empty when there is no event file or no epoch scalar yet.</summary>
    /// <remarks>The trainer is still writing these files, so a damaged or partial record ends that file's reading rather than failing the run.</remarks>
    public static IReadOnlyDictionary<int, double> Read(string loggingDirectory)
    {
        var scalars = new List<Scalar>();
        if (Directory.Exists(loggingDirectory))
        {
            foreach (var file in Directory.EnumerateFiles(loggingDirectory, "events.out.tfevents.*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                scalars.AddRange(ReadFile(file));
            }
        }

        var tag = scalars.Any(s => s.Tag == EpochAverageTag) ? EpochAverageTag : LegacyEpochTag;
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
