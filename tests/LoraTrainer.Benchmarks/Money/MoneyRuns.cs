using k8s.Models;
using LoraTrainer.Api;
using LoraTrainer.Testing.Civitai;

namespace LoraTrainer.Benchmarks.Money;

/// <summary>The TrainingRuns the benchmark applies: an SDXL LoRA from a Civitai checkpoint, as config/samples has it.</summary>
internal static class MoneyRuns
{
    public const string ImagesBucket = "training-images";
    public const string OutputBucket = "trained-loras";
    public const long ModelVersionId = 128078;

    /// <summary>The SDXL base checkpoint the Civitai fake serves (a small well-formed file; only its metadata matters here).</summary>
    public static FakeCivitaiVersion Model { get; } = FakeCivitaiVersion.Checkpoint(ModelVersionId, "SDXL 1.0",
        $"urn:air:sdxl:checkpoint:civitai:101055@{ModelVersionId}", "sd_xl_base_1.0.safetensors", new byte[64 * 1024]);

    /// <summary>A run training on the images under <paramref name="datasetPrefix"/>, writing under <c>loras/&lt;stack&gt;/</c>.</summary>
    public static TrainingRun Run(string name, string stack, string datasetPrefix, RunPolicySpec? policy = null) => new()
    {
        ApiVersion = TrainingRun.ApiVersionString,
        Kind = TrainingRun.KindName,
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = MoneyStack.Namespace },
        Spec = new TrainingRunSpec
        {
            BaseModel = new BaseModelSpec { Civitai = new CivitaiModelSource { ModelVersionId = ModelVersionId } },
            Dataset = new DatasetSpec { S3 = new S3Location { Bucket = ImagesBucket, Prefix = datasetPrefix }, TriggerWord = "ohwx", ClassTokens = "woman" },
            Output = new OutputSpec { S3 = new S3Location { Bucket = OutputBucket, Prefix = $"loras/{stack}/" } },
            Training = new TrainingSpec { MaxTrainEpochs = 10 },
            RunPolicy = policy,
        },
    };

    /// <summary>A policy whose <paramref name="phase"/> deadline is <paramref name="deadline"/> and that never retries, so a stall is final.</summary>
    public static RunPolicySpec ShortDeadline(TrainingPhase phase, TimeSpan deadline)
    {
        var text = Duration.Format(deadline);
        var deadlines = phase switch
        {
            TrainingPhase.PendingGpu => new DeadlinesSpec { PendingGpu = text },
            TrainingPhase.Training => new DeadlinesSpec { Heartbeat = text },
            _ => throw new ArgumentOutOfRangeException(nameof(phase), phase, "only pendingGpu and the training heartbeat are measured"),
        };
        return new RunPolicySpec { BackoffLimit = 0, Deadlines = deadlines };
    }
}
