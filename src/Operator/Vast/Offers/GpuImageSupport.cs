using System.Text.Json;
using System.Text.Json.Serialization;

namespace LoraTrainer.Operator.Vast.Offers;

/// <summary>The GPUs and drivers a GPU image can use: its CUDA build, and the compute capabilities its PyTorch has kernels for.</summary>
/// <remarks>
/// The default GPU image states these once, in <c>gpu-image/gpu-support.json</c>: its build checks that the PyTorch it
/// installs matches the file, and the operator carries the file as its defaults. A PyTorch without kernels for a GPU
/// fails on it only after the instance is rented and the image pulled; a driver older than the image's CUDA cannot
/// start it at all. Compute capabilities are written as Vast writes them, × 100 (8.9 is 890).
/// </remarks>
public sealed class GpuImageSupport
{
    private const string ResourceName = "LoraTrainer.Operator.gpu-support.json";

    /// <summary>What the default GPU image, built from <c>gpu-image/</c>, supports (a new copy on every call: options bind onto it).</summary>
    public static GpuImageSupport BuiltIn() => Load();

    /// <summary>The CUDA version the image's PyTorch is built for; hosts whose driver supports less (Vast's <c>cuda_max_good</c>) are not rented.</summary>
    public string CudaVersion { get; set; } = "";

    /// <summary>The oldest GPU generation the image has kernels for, as compute capability × 100 (750 is Turing).</summary>
    public int MinComputeCapability { get; set; }

    /// <summary>The newest GPU generation the image has kernels for, as compute capability × 100 (1200 is the RTX 50 series).</summary>
    public int MaxComputeCapability { get; set; }

    /// <summary><see cref="CudaVersion"/> as a version.</summary>
    internal Version Cuda => Version.Parse(CudaVersion);

    /// <summary>What is wrong with these settings, starting with the key's name; null when nothing is.</summary>
    internal string? Problem()
    {
        if (!System.Text.RegularExpressions.Regex.IsMatch(CudaVersion ?? "", @"^\d{1,2}\.\d{1,2}$"))
            return $"CudaVersion must be a CUDA version such as 12.8 (got '{CudaVersion}')";
        if (MinComputeCapability is < 300 or > 2000 || MaxComputeCapability is < 300 or > 2000)
            return $"MinComputeCapability and MaxComputeCapability are compute capabilities × 100 between 300 and 2000 (got {MinComputeCapability} and {MaxComputeCapability})";
        return MinComputeCapability > MaxComputeCapability
            ? $"MinComputeCapability ({MinComputeCapability}) must not exceed MaxComputeCapability ({MaxComputeCapability})"
            : null;
    }

    private static GpuImageSupport Load()
    {
        using var stream = typeof(GpuImageSupport).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The operator was built without {ResourceName}.");
        return JsonSerializer.Deserialize(stream, GpuImageSupportJsonContext.Default.GpuImageSupport)
            ?? throw new InvalidOperationException($"{ResourceName} is empty.");
    }
}

/// <summary>The metadata <c>gpu-support.json</c> is read with, generated at build time (web defaults: camelCase, any case read).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(GpuImageSupport))]
internal sealed partial class GpuImageSupportJsonContext : JsonSerializerContext;
