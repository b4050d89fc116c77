using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace LoraTrainer.Api;

/// <summary>What to train, on what, and within which limits.</summary>
public sealed record TrainingRunSpec
{
    /// <summary>The checkpoint the LoRA is trained against.</summary>
    [Required]
    public BaseModelSpec BaseModel { get; set; } = new();

    /// <summary>The training images and how they are captioned.</summary>
    [Required]
    public DatasetSpec Dataset { get; set; } = new();

    /// <summary>Training hyperparameters. Every field is optional: the model family's defaults apply.</summary>
    public TrainingSpec? Training { get; init; }

    /// <summary>Which GPUs may be rented and at what price.</summary>
    public GpuSpec? Gpu { get; init; }

    /// <summary>Sample images rendered at chosen epochs, to see what each epoch draws. None when omitted.</summary>
    public SamplesSpec? Samples { get; init; }

    /// <summary>Where the trained LoRA is written.</summary>
    [Required]
    public OutputSpec Output { get; set; } = new();

    /// <summary>Secrets holding provider credentials. Operator-wide defaults apply when omitted.</summary>
    public CredentialsSpec? Credentials { get; init; }

    /// <summary>Deadlines, retries and cost limits.</summary>
    public RunPolicySpec? RunPolicy { get; init; }

    /// <summary>Plan only: select an offer and estimate the cost without renting anything. Defaults to false.</summary>
    public bool DryRun { get; init; }

    /// <summary>
    /// <c>now</c> ends the run early: training stops, the best epoch saved so far is uploaded (between attempts, the
    /// best epoch earlier attempts kept is copied) and the run completes with reason <c>FinishedEarly</c>, its instance
    /// destroyed. A run with no epoch saved yet fails, saying so, without renting anything more. Changes nothing on a
    /// finished run. Unset by default.
    /// </summary>
    public FinishRequest? Finish { get; init; }
}

/// <summary>What <c>spec.finish</c> may ask for.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FinishRequest>))]
public enum FinishRequest
{
    /// <summary>Stop training now and keep the best epoch saved so far.</summary>
    [JsonStringEnumMemberName("now")] Now,
}
