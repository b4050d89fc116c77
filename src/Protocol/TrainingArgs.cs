using System.Text.Json.Serialization;

namespace LoraTrainer.Protocol;

/// <summary>
/// The sd-scripts arguments of a run, on the wire as one object keyed by sd-scripts' own argument names
/// (<c>training.args</c>): the hyperparameters the operator resolved and the switches the rules read, typed, and any
/// further argument by name in <see cref="Others"/>.
/// </summary>
/// <remarks>
/// A typed argument left null is not sent, and sd-scripts uses its own default for it. The number of epochs travels
/// here only, as <c>max_train_epochs</c>; an older agent that also reads a <c>training.epochs</c> field falls back to
/// this argument when that field is absent, and this agent ignores the field when an older operator sends it.
/// </remarks>
public sealed record TrainingArgs
{
    /// <summary>The LoRA network module, e.g. <c>networks.lora</c>.</summary>
    [JsonPropertyName("network_module")] public string? NetworkModule { get; init; }

    /// <summary>The LoRA rank.</summary>
    [JsonPropertyName("network_dim")] public int? NetworkDim { get; init; }

    /// <summary>The LoRA alpha.</summary>
    [JsonPropertyName("network_alpha")] public double? NetworkAlpha { get; init; }

    /// <summary>The base learning rate.</summary>
    [JsonPropertyName("learning_rate")] public double? LearningRate { get; init; }

    /// <summary>The learning rate of the U-Net (or Flux transformer).</summary>
    [JsonPropertyName("unet_lr")] public double? UnetLr { get; init; }

    /// <summary>The learning rate of the text encoder(s); null when they are not trained.</summary>
    [JsonPropertyName("text_encoder_lr")] public double? TextEncoderLr { get; init; }

    /// <summary>The optimizer as sd-scripts names it, e.g. <c>AdamW8bit</c>.</summary>
    [JsonPropertyName("optimizer_type")] public string? OptimizerType { get; init; }

    /// <summary>The learning-rate schedule as sd-scripts names it, e.g. <c>cosine</c>.</summary>
    [JsonPropertyName("lr_scheduler")] public string? LrScheduler { get; init; }

    /// <summary>The number of epochs; one file is saved per epoch and the best one is chosen among them.</summary>
    [JsonPropertyName("max_train_epochs")] public int? MaxTrainEpochs { get; init; }

    /// <summary>The mixed precision: <c>no</c>, <c>fp16</c> or <c>bf16</c>; the launcher takes it too.</summary>
    [JsonPropertyName("mixed_precision")] public string? MixedPrecision { get; init; }

    /// <summary>The precision the LoRA files are saved in: <c>float</c>, <c>fp16</c> or <c>bf16</c>.</summary>
    [JsonPropertyName("save_precision")] public string? SavePrecision { get; init; }

    /// <summary>The random seed.</summary>
    [JsonPropertyName("seed")] public int? Seed { get; init; }

    /// <summary>True to train the U-Net (or Flux transformer) only, not the text encoders.</summary>
    [JsonPropertyName("network_train_unet_only")] public bool? NetworkTrainUnetOnly { get; init; }

    /// <summary>True to cache the text encoders' outputs; some scripts refuse it while a text encoder trains.</summary>
    [JsonPropertyName("cache_text_encoder_outputs")] public bool? CacheTextEncoderOutputs { get; init; }

    /// <summary>The network module's own options, each <c>key=value</c>.</summary>
    [JsonPropertyName("network_args")] public IReadOnlyList<string>? NetworkArgs { get; init; }

    /// <summary>The share of images held out for validation, from 0 up to (not including) 1; above 0 the epoch is chosen by validation loss.</summary>
    [JsonPropertyName("validation_split")] public double? ValidationSplit { get; init; }

    /// <summary>Any further argument by sd-scripts name → plain value (number, string, boolean or list).</summary>
    /// <remarks>Settable rather than init-only: the source-generated serializer fills init-only properties through the constructor, which an extension-data property cannot be.</remarks>
    [JsonExtensionData] public IDictionary<string, object?> Others { get; set; } = new Dictionary<string, object?>(StringComparer.Ordinal);
}
