using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.Datasets;

/// <summary>Limits on the datasets the operator accepts (section <c>Datasets</c>).</summary>
internal sealed class DatasetOptions
{
    /// <summary>The configuration section bound to these options.</summary>
    public const string SectionName = "Datasets";

    /// <summary>Most images one run may use. Defaults to 10,000.</summary>
    [Range(1, 1_000_000)]
    public int MaxImages { get; set; } = 10_000;

    /// <summary>
    /// Most objects of any kind (images, captions, other files) listed under one dataset prefix. Defaults to 100,000.
    /// </summary>
    /// <remarks>Caps the listing itself, so a prefix pointed at a bucket of logs or archives is refused in seconds.</remarks>
    [Range(1, 10_000_000)]
    public int MaxObjects { get; set; } = 100_000;

    /// <summary>Most bytes of images and captions one run may use. Defaults to 10 GiB.</summary>
    [Range(1L, long.MaxValue)]
    public long MaxTotalBytes { get; set; } = 10L * 1024 * 1024 * 1024;

    /// <summary>How many files the pre-flight check reads at once. Defaults to 16.</summary>
    [Range(1, 128)]
    public int PreflightConcurrency { get; set; } = 16;

    /// <summary>How many offending files a refusal names before "and N more". Defaults to 5.</summary>
    [Range(1, 100)]
    public int FilesNamedInMessages { get; set; } = 5;
}

/// <summary>Checks <see cref="DatasetOptions"/> against its attributes with code generated at build time: the operator is published as Native AOT, where the reflection-based data-annotations validation cannot run.</summary>
[OptionsValidator]
internal sealed partial class DatasetOptionsAttributeValidator : IValidateOptions<DatasetOptions>;
