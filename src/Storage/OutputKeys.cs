using LoraTrainer.Api;

namespace LoraTrainer.Storage;

/// <summary>Where a run's files live in its output location.</summary>
/// <remarks>The output prefix is a folder: <c>loras/anna</c> and <c>loras/anna/</c> name the same place.</remarks>
internal static class OutputKeys
{
    /// <summary>The best epoch's LoRA: <c>{prefix}/{run}.safetensors</c>.</summary>
    public static S3Uri Best(S3Location output, string runName) =>
        new(output.Bucket, $"{S3Uri.FolderPrefix(output.Prefix)}{runName}.safetensors");

    /// <summary>
    /// Whether every epoch's own file is uploaded to the bucket: with <c>keep: all</c>, and in a run that saves its
    /// training state, whose retried attempts choose among the epochs earlier attempts trained and so need their files
    /// (with <c>keep: best</c>, until the run is completed: the operator then deletes them).
    /// </summary>
    public static bool KeepsEveryEpoch(OutputSpec output, bool savesState) => output.Keep == KeepPolicy.All || savesState;

    /// <summary>One epoch's LoRA when every epoch is kept, named as sd-scripts names it: <c>{run}-000003.safetensors</c>.</summary>
    public static S3Uri Epoch(S3Location output, string runName, int epoch) =>
        new(output.Bucket, $"{S3Uri.FolderPrefix(output.Prefix)}{runName}-{epoch:D6}.safetensors");

    /// <summary>
    /// Whether <paramref name="uri"/> is an object this run's agent was given to upload as its result: the best epoch's
    /// key, or with <c>keep: all</c> the key of the <paramref name="epoch"/> it reports.
    /// </summary>
    public static bool IsResultOf(OutputSpec output, string runName, S3Uri uri, int? epoch) =>
        uri == Best(output.S3, runName) || (output.Keep == KeepPolicy.All && epoch is { } e && uri == Epoch(output.S3, runName, e));

    /// <summary>One sample image: <c>{prefix}/samples/{run}/e000003-01.png</c> (epoch 3, prompt 1; epoch 0 is the baseline before training).</summary>
    public static S3Uri Sample(S3Location output, string runName, int epoch, int prompt) =>
        new(output.Bucket, $"{SampleFolder(output, runName).Key}e{epoch:D6}-{prompt:D2}.png");

    /// <summary>The folder of a run's sample images: <c>{prefix}/samples/{run}/</c>.</summary>
    public static S3Uri SampleFolder(S3Location output, string runName) =>
        new(output.Bucket, $"{S3Uri.FolderPrefix(output.Prefix)}samples/{runName}/");

    /// <summary>One saved training state, named by when its upload was opened: <c>{prefix}/states/{run}/{unix ms}.tar</c>.</summary>
    public static S3Uri State(S3Location output, string runName, DateTimeOffset opened) =>
        new(output.Bucket, $"{S3Uri.FolderPrefix(output.Prefix)}states/{runName}/{opened.ToUnixTimeMilliseconds()}.tar");

    /// <summary>A dataset zip named by its content hash: <c>{prefix}/datasets/{hash}.zip</c>.</summary>
    public static S3Uri DatasetZip(S3Location output, string contentHash) =>
        new(output.Bucket, $"{S3Uri.FolderPrefix(output.Prefix)}datasets/{contentHash}.zip");
}
