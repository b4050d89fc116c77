using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.TrainingRuns;

/// <summary>Operator-wide settings (configuration section <c>Operator</c>), fed by the Helm chart's values.</summary>
[UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The TimeSpan ranges are checked by the generated OperatorOptionsAttributeValidator, which does not build the attributes through their type converter.")]
public sealed class OperatorOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Operator";

    /// <summary>Names this cluster in instance labels (<c>loratrainer:&lt;cluster&gt;:…</c>) so several clusters can share a Vast account. At most 32 characters. Defaults to <c>default</c>.</summary>
    [Required]
    [RegularExpression(Vast.Instances.VastInstanceLabel.ClusterNamePattern)]
    public string ClusterName { get; set; } = "default";

    /// <summary>The receiver's public base URL as GPU hosts reach it, e.g. <c>https://lora-hooks.example.com</c>. Required (checked by <see cref="OperatorOptionsValidator"/>).</summary>
    public string ReceiverUrl { get; set; } = "";

    /// <summary>The GPU image used when a run names none. Defaults to <c>ghcr.io/loratrainer/gpu:0.1.0</c>.</summary>
    [Required]
    public string DefaultGpuImage { get; set; } = "ghcr.io/loratrainer/gpu:0.1.0";

    /// <summary>
    /// The CUDA version and GPU generations <see cref="DefaultGpuImage"/> supports; offers outside them are not rented for a run
    /// using that image. Defaults to what <c>gpu-image/gpu-support.json</c> states for the image built from this repository;
    /// set it when the default image is built with another PyTorch.
    /// </summary>
    public Vast.Offers.GpuImageSupport DefaultGpuImageSupport { get; set; } = Vast.Offers.GpuImageSupport.BuiltIn();

    /// <summary>Only watch this namespace; empty watches all namespaces. Defaults to all.</summary>
    public string? WatchNamespace { get; set; }

    /// <summary>TrainingRuns reconciled at once. Defaults to 8.</summary>
    [Range(1, 256)]
    public int Workers { get; set; } = 8;

    /// <summary>How often a running instance's state is checked at Vast, to spot dead instances before their deadline. Defaults to 30 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan InstanceCheckInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often the presigned URLs in a run's Secret are re-issued. With <see cref="InstanceCheckInterval"/> added, it
    /// must be shorter than <c>S3:PresignGetExpiry</c> and <c>S3:PresignPutExpiry</c>. Defaults to 30 minutes.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "06:00:00")]
    public TimeSpan PresignRefreshInterval { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long to wait before looking for offers again when none matched. Defaults to 1 minute.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan NoOfferRetryInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long a run waits before calling Vast again after Vast rejected the API key or refused a request: sooner cannot
    /// help until someone fixes the key or the spec. Defaults to 1 minute.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan VastRefusalRetryInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a run waits before calling Vast again after Vast failed or did not answer, its own retries spent. Defaults to 30 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan VastOutageRetryInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Training hours assumed per 1,000 steps when estimating a dry run's cost. Defaults to 0.5.</summary>
    [Range(0.01, 100)]
    public double EstimatedHoursPerThousandSteps { get; set; } = 0.5;
}

/// <summary>Rules that span fields, with messages naming the configuration key.</summary>
internal sealed class OperatorOptionsValidator : IValidateOptions<OperatorOptions>
{
    public ValidateOptionsResult Validate(string? name, OperatorOptions options)
    {
        if (!Uri.TryCreate(options.ReceiverUrl, UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http"))
        {
            return ValidateOptionsResult.Fail($"{OperatorOptions.Section}:ReceiverUrl must be the receiver's absolute http(s) URL as GPU hosts reach it (got '{options.ReceiverUrl}')");
        }

        if (url.AbsoluteUri.Length > 180)
        {
            return ValidateOptionsResult.Fail($"{OperatorOptions.Section}:ReceiverUrl is too long: with the run's path it must fit Vast's 256-character env limit");
        }

        return options.DefaultGpuImageSupport.Problem() is { } problem
            ? ValidateOptionsResult.Fail($"{OperatorOptions.Section}:DefaultGpuImageSupport:{problem}")
            : ValidateOptionsResult.Success;
    }
}

/// <summary>Checks <see cref="OperatorOptions"/> against its attributes with code generated at build time: the operator is published as Native AOT, where the reflection-based data-annotations validation cannot run.</summary>
[OptionsValidator]
internal sealed partial class OperatorOptionsAttributeValidator : IValidateOptions<OperatorOptions>;
