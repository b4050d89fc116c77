namespace LoraTrainer.Api;

/// <summary>Hyperparameters with every value decided: the user's where given, the family default otherwise.</summary>
public sealed record ResolvedTraining(
    ModelFamily Family,
    int NetworkDim,
    double NetworkAlpha,
    double LearningRate,
    double UnetLr,
    double TextEncoderLr,
    Optimizer Optimizer,
    LrScheduler LrScheduler,
    int MaxTrainEpochs,
    int BatchSize,
    MixedPrecision MixedPrecision,
    int Seed,
    int Resolution);

/// <summary>
/// Per-family defaults that produce a good LoRA, deliberately not sd-scripts' own defaults
/// (learning rate 2e-6, rank 4 and alpha 1 train almost nothing).
/// </summary>
public static class TrainingDefaults
{
    /// <summary>The defaults for a family before any user value is applied.</summary>
    public static ResolvedTraining For(ModelFamily family) => family switch
    {
        ModelFamily.Sd15 => new(family, NetworkDim: 32, NetworkAlpha: 16, LearningRate: 1e-4, UnetLr: 1e-4, TextEncoderLr: 5e-5,
            Optimizer.AdamW8bit, LrScheduler.Cosine, MaxTrainEpochs: 10, BatchSize: 2, MixedPrecision.Bf16, Seed: 42, Resolution: 512),
        ModelFamily.Sdxl => new(family, NetworkDim: 32, NetworkAlpha: 16, LearningRate: 1e-4, UnetLr: 1e-4, TextEncoderLr: 0,
            Optimizer.AdamW8bit, LrScheduler.Cosine, MaxTrainEpochs: 10, BatchSize: 1, MixedPrecision.Bf16, Seed: 42, Resolution: 1024),
        _ => new(family, NetworkDim: 16, NetworkAlpha: 16, LearningRate: 1e-4, UnetLr: 1e-4, TextEncoderLr: 0,
            Optimizer.AdamW8bit, LrScheduler.Constant, MaxTrainEpochs: 10, BatchSize: 1, MixedPrecision.Bf16, Seed: 42, Resolution: 1024),
    };

    /// <summary>Applies the user's values over the family defaults.</summary>
    public static ResolvedTraining Resolve(ModelFamily family, TrainingSpec? training, DatasetSpec? dataset)
    {
        var d = For(family);
        var t = training ?? new TrainingSpec();
        var learningRate = t.LearningRate ?? d.LearningRate;
        return d with
        {
            NetworkDim = t.NetworkDim ?? d.NetworkDim,
            NetworkAlpha = t.NetworkAlpha ?? d.NetworkAlpha,
            LearningRate = learningRate,
            UnetLr = t.UnetLr ?? (t.LearningRate is null ? d.UnetLr : learningRate),
            TextEncoderLr = family == ModelFamily.Flux ? 0 : t.TextEncoderLr ?? d.TextEncoderLr,
            Optimizer = t.Optimizer ?? d.Optimizer,
            LrScheduler = t.LrScheduler ?? d.LrScheduler,
            MaxTrainEpochs = t.MaxTrainEpochs ?? d.MaxTrainEpochs,
            BatchSize = t.BatchSize ?? d.BatchSize,
            MixedPrecision = t.MixedPrecision ?? d.MixedPrecision,
            Seed = t.Seed ?? d.Seed,
            Resolution = dataset?.Resolution ?? d.Resolution,
        };
    }

    /// <summary>The smallest GPU memory, in GB, a family trains in with these defaults.</summary>
    public static int MinGpuRamGb(ModelFamily family) => family switch
    {
        ModelFamily.Sd15 => 12,
        ModelFamily.Sdxl => 16,
        _ => 24,
    };

    /// <summary>The disk, in GB, a family needs for the image, the checkpoint(s) and the outputs.</summary>
    public static int DiskGb(ModelFamily family) => family switch
    {
        ModelFamily.Sd15 => 40,
        ModelFamily.Sdxl => 60,
        _ => 100,
    };
}
