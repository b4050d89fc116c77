using LoraTrainer.Datasets;
using LoraTrainer.Api;
using LoraTrainer.Operator.Storage;

namespace LoraTrainer.Operator.Datasets;

/// <summary>A dataset that passed the pre-flight check: what goes into the zip and where the zip lives.</summary>
/// <param name="Request">What was asked.</param>
/// <param name="Inventory">The images, captions and skipped files.</param>
/// <param name="ContentHash">The hash naming the zip.</param>
/// <param name="Zip">Where the zip is, or will be.</param>
internal sealed record DatasetPlan(DatasetRequest Request, DatasetInventory Inventory, string ContentHash, S3Uri Zip)
{
    /// <summary>Images that get a generated caption.</summary>
    public int GeneratedCaptions => Request.GeneratedCaption is null ? 0 : Inventory.Images.Count(i => i.Caption is null);

    /// <summary>The run's dataset status once the zip of <paramref name="zipBytes"/> bytes exists.</summary>
    public DatasetStatus ToStatus(long zipBytes) => new()
    {
        Zip = Zip.ToString(),
        Images = Inventory.Images.Count,
        Captions = Inventory.CaptionCount,
        GeneratedCaptions = GeneratedCaptions,
        Skipped = Inventory.Skipped.Count,
        Bytes = zipBytes,
        Sha256 = ContentHash,
    };
}

/// <summary>Why a dataset cannot train.</summary>
internal enum DatasetRefusalReason
{
    /// <summary>No image under the prefix.</summary>
    NoImages,
    /// <summary>Files named as images are not images.</summary>
    NotImages,
    /// <summary>Fewer images than the batch size.</summary>
    TooFewImages,
    /// <summary>More images than the operator accepts.</summary>
    TooManyImages,
    /// <summary>More objects of any kind under the prefix than the operator lists.</summary>
    TooManyObjects,
    /// <summary>More bytes than the operator accepts.</summary>
    TooLarge,
    /// <summary>Two files would share a name in the flat zip.</summary>
    NameClash,
    /// <summary>The store refused the credential or does not have the bucket.</summary>
    StoreRefused,
}

/// <summary>A dataset refused before any GPU is rented, with a message saying what to fix.</summary>
/// <param name="Reason">The class of problem.</param>
/// <param name="Message">One sentence for <c>status.message</c>.</param>
internal sealed record DatasetRefusal(DatasetRefusalReason Reason, string Message);

/// <summary>The outcome of the pre-flight check.</summary>
/// <param name="Plan">The plan when the dataset can train.</param>
/// <param name="Refusal">Why it cannot, otherwise.</param>
internal sealed record PreflightResult(DatasetPlan? Plan, DatasetRefusal? Refusal)
{
    /// <summary>The dataset can train.</summary>
    public static PreflightResult Pass(DatasetPlan plan) => new(plan, null);

    /// <summary>The dataset cannot train.</summary>
    public static PreflightResult Refuse(DatasetRefusalReason reason, string message) => new(null, new DatasetRefusal(reason, message));
}

/// <summary>The outcome of preparing a dataset: a zip ready for the GPU, or a refusal.</summary>
/// <param name="Status">What to write to <c>status.dataset</c> when ready.</param>
/// <param name="Zip">The zip when ready.</param>
/// <param name="Reused">True when a zip with the same content hash already existed and nothing was zipped.</param>
/// <param name="Refusal">Why the dataset cannot train, otherwise.</param>
internal sealed record DatasetResult(DatasetStatus? Status, S3Uri? Zip, bool Reused, DatasetRefusal? Refusal)
{
    /// <summary>True when the zip is ready.</summary>
    public bool IsReady => Status is not null;

    /// <summary>The zip exists.</summary>
    public static DatasetResult Ready(DatasetStatus status, S3Uri zip, bool reused) => new(status, zip, reused, null);

    /// <summary>The dataset cannot train.</summary>
    public static DatasetResult Refused(DatasetRefusal refusal) => new(null, null, false, refusal);
}
