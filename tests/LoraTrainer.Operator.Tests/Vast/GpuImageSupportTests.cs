using System.Text.Json;
using System.Text.RegularExpressions;
using LoraTrainer.Operator.TrainingRuns;
using LoraTrainer.Operator.Vast.Offers;
using LoraTrainer.Testing;

namespace LoraTrainer.Operator.Tests.Vast;

public sealed class GpuImageSupportTests
{
    [Fact]
    public void BuiltIn_IsWhatGpuSupportJsonStates()
    {
        using var file = JsonDocument.Parse(File.ReadAllText(RepositoryRoot.Combine("gpu-image", "gpu-support.json")));
        var support = GpuImageSupport.BuiltIn();

        Assert.Equal(file.RootElement.GetProperty("cudaVersion").GetString(), support.CudaVersion);
        Assert.Equal(file.RootElement.GetProperty("minComputeCapability").GetInt32(), support.MinComputeCapability);
        Assert.Equal(file.RootElement.GetProperty("maxComputeCapability").GetInt32(), support.MaxComputeCapability);
    }

    [Fact]
    public void TheGpuImagesBuildArguments_NameThePyTorchAndCudaGpuSupportJsonStates()
    {
        using var file = JsonDocument.Parse(File.ReadAllText(RepositoryRoot.Combine("gpu-image", "gpu-support.json")));
        var dockerfile = File.ReadAllText(RepositoryRoot.Combine("gpu-image", "Dockerfile"));

        Assert.Equal(file.RootElement.GetProperty("torch").GetString(), Argument(dockerfile, "TORCH_VERSION"));
        Assert.Equal(file.RootElement.GetProperty("cudaVersion").GetString(), Argument(dockerfile, "CUDA_VERSION"));
        Assert.Contains("${TORCH_VERSION}-cuda${CUDA_VERSION}", Argument(dockerfile, "PYTORCH_IMAGE"), StringComparison.Ordinal);
    }

    [Fact]
    public void TheOperatorsDefault_IsTheBuiltInSupport()
    {
        var support = new OperatorOptions().DefaultGpuImageSupport;

        Assert.Equal(("12.8", 750, 1200), (support.CudaVersion, support.MinComputeCapability, support.MaxComputeCapability));
    }

    [Theory]
    [InlineData("12", 750, 1200, "Operator:DefaultGpuImageSupport:CudaVersion must be a CUDA version such as 12.8 (got '12')")]
    [InlineData("12.8", 1200, 750, "Operator:DefaultGpuImageSupport:MinComputeCapability (1200) must not exceed MaxComputeCapability (750)")]
    [InlineData("12.8", 7, 1200, "Operator:DefaultGpuImageSupport:MinComputeCapability and MaxComputeCapability are compute capabilities × 100 between 300 and 2000 (got 7 and 1200)")]
    public void Validate_OfImpossibleSupport_NamesTheKey(string cuda, int min, int max, string message)
    {
        var options = new OperatorOptions
        {
            ReceiverUrl = "https://hooks.example.com",
            DefaultGpuImageSupport = new GpuImageSupport { CudaVersion = cuda, MinComputeCapability = min, MaxComputeCapability = max },
        };

        var result = new OperatorOptionsValidator().Validate(null, options);

        Assert.Equal(message, result.FailureMessage);
    }

    private static string Argument(string dockerfile, string name) =>
        Regex.Match(dockerfile, $@"^ARG {name}=(\S+)$", RegexOptions.Multiline) is { Success: true } match
            ? match.Groups[1].Value
            : throw new Xunit.Sdk.XunitException($"gpu-image/Dockerfile has no ARG {name}=…");
}
