using LoraTrainer.Agent.Gpu;

namespace LoraTrainer.Agent.Tests.Gpu;

public sealed class NvidiaSmiOutputTests
{
    [Theory]
    [InlineData("NVIDIA GeForce RTX 4090, 24564, 550.54.14\n", "NVIDIA GeForce RTX 4090", 24564L, "550.54.14")]
    [InlineData("NVIDIA A100-SXM4-80GB, 81920 MiB, 535.104.05\nNVIDIA A100-SXM4-80GB, 81920 MiB, 535.104.05\n", "NVIDIA A100-SXM4-80GB", 81920L, "535.104.05")]
    [InlineData("Tesla T4, [N/A], 470.82.01", "Tesla T4", null, "470.82.01")]
    public void ParseQuery_ReadsTheFirstGpu(string output, string name, long? memory, string driver)
    {
        var gpu = NvidiaSmiOutput.ParseQuery(output);

        Assert.Equal(name, gpu!.Name);
        Assert.Equal(memory, gpu.MemoryMb);
        Assert.Equal(driver, gpu.Driver);
    }

    [Theory]
    [InlineData("")]
    [InlineData("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.")]
    public void ParseQuery_WithoutAGpuLine_IsNull(string output)
    {
        Assert.Null(NvidiaSmiOutput.ParseQuery(output));
    }

    [Fact]
    public void ParseCudaVersion_ReadsTheBanner()
    {
        const string banner = "| NVIDIA-SMI 550.54.14              Driver Version: 550.54.14      CUDA Version: 12.4     |";

        Assert.Equal("12.4", NvidiaSmiOutput.ParseCudaVersion(banner));
    }
}
