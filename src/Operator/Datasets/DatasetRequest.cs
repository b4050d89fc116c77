using LoraTrainer.Api;

namespace LoraTrainer.Operator.Datasets;

/// <summary>What to check and zip for one run.</summary>
/// <param name="Source">Where the images are.</param>
/// <param name="Output">The run's output location; the zip goes under its <c>datasets/</c> folder.</param>
/// <param name="BatchSize">Images per step; fewer images than this cannot train.</param>
/// <param name="GeneratedCaption">Caption written for images without one, or null to leave them uncaptioned.</param>
internal sealed record DatasetRequest(S3Location Source, S3Location Output, int BatchSize, string? GeneratedCaption)
{
    /// <summary>The request a run's spec makes, with the batch size already resolved for its model family.</summary>
    public static DatasetRequest For(TrainingRunSpec spec, int batchSize) =>
        new(spec.Dataset.S3, spec.Output.S3, batchSize, CaptionFor(spec.Dataset));

    /// <summary>Trigger word then class tokens (e.g. <c>ohwx woman</c>) when generating is asked and there is anything to write.</summary>
    public static string? CaptionFor(DatasetSpec dataset)
    {
        if (!dataset.GenerateMissingCaptions)
        {
            return null;
        }

        var caption = string.Join(' ', new[] { dataset.TriggerWord, dataset.ClassTokens }
            .Where(s => !string.IsNullOrWhiteSpace(s))
            .Select(s => s!.Trim()));
        return caption.Length == 0 ? null : caption;
    }

    /// <summary>The source prefix as a folder.</summary>
    public string SourcePrefix => S3Uri.FolderPrefix(Source.Prefix);

    /// <summary>The source as shown in messages: <c>s3://bucket/prefix/</c>.</summary>
    public string SourceDisplay => new S3Uri(Source.Bucket, SourcePrefix).ToString();
}
