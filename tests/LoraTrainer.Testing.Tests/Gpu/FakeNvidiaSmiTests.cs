using System.Diagnostics;
using LoraTrainer.Testing.Gpu;
using LoraTrainer.Testing.Vast;

namespace LoraTrainer.Testing.Tests.Gpu;

/// <summary>The nvidia-smi stand-in answers as NVIDIA's tool does for the GPU of the simulated offer.</summary>
public sealed class FakeNvidiaSmiTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("loratrainer-smi-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData("RTX 4090", 24564, "NVIDIA GeForce RTX 4090")]
    [InlineData("RTX 3060", 12288, "NVIDIA GeForce RTX 3060")]
    [InlineData("RTX A6000", 49140, "NVIDIA RTX A6000")]
    [InlineData("A100 SXM4", 81920, "NVIDIA A100-SXM4-80GB")]
    [InlineData("A100 PCIE", 40960, "NVIDIA A100-PCIE-40GB")]
    [InlineData("H100 SXM", 81559, "NVIDIA H100 80GB HBM3")]
    [InlineData("L40S", 46068, "NVIDIA L40S")]
    public void DriverName_NamesTheGpuAsTheNvidiaDriverDoes_NotAsVastLists(string vastName, double memoryMb, string expected) =>
        Assert.Equal(expected, FakeGpu.DriverName(vastName, memoryMb));

    [Fact]
    public async Task Query_InCsv_PrintsAHeaderWithUnits_ThenTheValues()
    {
        var output = await RunAsync(FakeGpu.Of(new SimulatedOffer { Id = 1 }), "--query-gpu=name,memory.total,driver_version", "--format=csv");

        Assert.Equal("name, memory.total [MiB], driver_version\nNVIDIA GeForce RTX 4090, 24564 MiB, 575.57.08\n", output.Stdout);
    }

    [Fact]
    public async Task Query_WithoutHeaderOrUnits_PrintsOnlyTheValues()
    {
        var output = await RunAsync(FakeGpu.Of(new SimulatedOffer { Id = 1, GpuName = "RTX 3090", GpuRamMb = 24576, CudaMaxGood = 12.2 }),
            "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader,nounits");

        Assert.Equal("NVIDIA GeForce RTX 3090, 24576, 535.183.01\n", output.Stdout);
    }

    [Fact]
    public async Task PlainRun_PrintsTheBannerWithTheDriverAndCudaVersions()
    {
        var output = await RunAsync(FakeGpu.Of(new SimulatedOffer { Id = 1 }));

        Assert.Matches(@"NVIDIA-SMI 575\.57\.08 +Driver Version: 575\.57\.08 +CUDA Version: 12\.9", output.Stdout);
        Assert.Contains("NVIDIA GeForce RTX 4090", output.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListGpus_PrintsTheOneGpuWithItsUuid()
    {
        var output = await RunAsync(FakeGpu.Of(new SimulatedOffer { Id = 1 }), "-L");

        Assert.Matches(@"^GPU 0: NVIDIA GeForce RTX 4090 \(UUID: GPU-[0-9a-f-]+\)\n$", output.Stdout);
    }

    [Fact]
    public async Task Query_OfAnUnknownField_RefusesWithExitCode2()
    {
        var output = await RunAsync(FakeGpu.Of(new SimulatedOffer { Id = 1 }), "--query-gpu=name,flux.capacity", "--format=csv");

        Assert.Equal(2, output.ExitCode);
        Assert.Equal("Field \"flux.capacity\" is not a valid field to query.\n", output.Stdout);
    }

    private async Task<(int ExitCode, string Stdout)> RunAsync(FakeGpu gpu, params string[] args)
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "The nvidia-smi stand-in is a shell script.");
        var program = Path.Combine(FakeNvidiaSmi.Install(_folder, gpu), FakeNvidiaSmi.Program);
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = await StartAsync(start);
        var stdout = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, stdout);
    }

    // A script written a moment ago can be "text file busy" while another test's process start still holds it: try again then.
    private static async Task<Process> StartAsync(ProcessStartInfo start)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return Process.Start(start)!;
            }
            catch (System.ComponentModel.Win32Exception) when (attempt < 5)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), TimeProvider.System, TestContext.Current.CancellationToken);
            }
        }
    }
}
