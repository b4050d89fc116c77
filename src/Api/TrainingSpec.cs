using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LoraTrainer.Api;

/// <summary>LoRA hyperparameters; anything left out takes the family default from <see cref="TrainingDefaults"/>.</summary>
public sealed record TrainingSpec
{
    /// <summary>LoRA rank (<c>network_dim</c>).</summary>
    [Range(1, 1024)]
    public int? NetworkDim { get; init; }

    /// <summary>LoRA alpha (<c>network_alpha</c>).</summary>
    [Range(0.01, 1024)]
    public double? NetworkAlpha { get; init; }

    /// <summary>Base learning rate.</summary>
    [Range(1e-8, 1)]
    public double? LearningRate { get; init; }

    /// <summary>Learning rate of the U-Net (or Flux transformer).</summary>
    [Range(1e-8, 1)]
    public double? UnetLr { get; init; }

    /// <summary>Learning rate of the text encoder(s); 0 trains the U-Net only.</summary>
    [Range(0, 1)]
    public double? TextEncoderLr { get; init; }

    /// <summary>The optimizer (<c>optimizer_type</c>).</summary>
    public Optimizer? Optimizer { get; init; }

    /// <summary>The learning-rate schedule (<c>lr_scheduler</c>).</summary>
    public LrScheduler? LrScheduler { get; init; }

    /// <summary>Number of epochs; one LoRA file is saved per epoch and the lowest-loss one is kept.</summary>
    [Range(1, 1000)]
    public int? MaxTrainEpochs { get; init; }

    /// <summary>Images per optimisation step.</summary>
    [Range(1, 64)]
    public int? BatchSize { get; init; }

    /// <summary>Mixed precision mode.</summary>
    public MixedPrecision? MixedPrecision { get; init; }

    /// <summary>Random seed, for reproducible runs.</summary>
    [Range(0, int.MaxValue)]
    public int? Seed { get; init; }

    /// <summary>Further sd-scripts arguments by name (e.g. <c>noise_offset: 0.05</c>); only names on the allowlist that the family's training script takes are accepted.</summary>
    [PreserveUnknownFields]
    public Dictionary<string, JsonElement>? ExtraArgs { get; init; }
}

/// <summary>Optimizers known to work for LoRA training.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Optimizer>))]
public enum Optimizer
{
    /// <summary>8-bit AdamW (bitsandbytes).</summary>
    AdamW8bit,
    /// <summary>AdamW.</summary>
    AdamW,
    /// <summary>Prodigy (adaptive; use learning rate 1).</summary>
    Prodigy,
    /// <summary>Adafactor.</summary>
    Adafactor,
    /// <summary>Lion.</summary>
    Lion,
}

/// <summary>Learning-rate schedules supported by sd-scripts.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<LrScheduler>))]
public enum LrScheduler
{
    /// <summary>Constant.</summary>
    [JsonStringEnumMemberName("constant")] Constant,
    /// <summary>Constant after warm-up.</summary>
    [JsonStringEnumMemberName("constant_with_warmup")] ConstantWithWarmup,
    /// <summary>Cosine decay.</summary>
    [JsonStringEnumMemberName("cosine")] Cosine,
    /// <summary>Cosine with restarts.</summary>
    [JsonStringEnumMemberName("cosine_with_restarts")] CosineWithRestarts,
    /// <summary>Linear decay.</summary>
    [JsonStringEnumMemberName("linear")] Linear,
    /// <summary>Polynomial decay.</summary>
    [JsonStringEnumMemberName("polynomial")] Polynomial,
}

/// <summary>Mixed-precision modes.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MixedPrecision>))]
public enum MixedPrecision
{
    /// <summary>bfloat16 (Ampere and newer).</summary>
    [JsonStringEnumMemberName("bf16")] Bf16,
    /// <summary>float16.</summary>
    [JsonStringEnumMemberName("fp16")] Fp16,
    /// <summary>Full precision.</summary>
    [JsonStringEnumMemberName("no")] No,
}
