using LoraTrainer.Agent.Gpu;
using LoraTrainer.Testing.Gpu;
using LoraTrainer.Testing.Vast;
using Microsoft.Extensions.DependencyInjection;

namespace LoraTrainer.Agent.Tests.Gpu;

public sealed class GpuProbeTests
{
    [Fact]
    public async Task ProbeAsync_WithoutNvidiaSmi_ReportsAnUnknownGpu()
    {
        using var work = new TempFolder();
        await using var services = AgentServices.Create(work.Path);

        var gpu = await services.GetRequiredService<GpuProbe>().ProbeAsync(TestContext.Current.CancellationToken);

        Assert.Equal(GpuProbe.Unknown, gpu.Name);
        Assert.Null(gpu.MemoryMb);
    }

    [Fact]
    public async Task ProbeAsync_ReadsNameMemoryDriverAndCudaFromNvidiaSmi()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("The nvidia-smi stand-in is a shell script.");
            return;
        }

        using var work = new TempFolder();
        var gpu4090 = FakeGpu.Of(new SimulatedOffer { Id = 1, CudaMaxGood = 12.4 });
        var smi = Path.Combine(FakeNvidiaSmi.Install(work.Combine("bin"), gpu4090), FakeNvidiaSmi.Program);
        await using var services = AgentServices.Create(work.Path, overrides: new Dictionary<string, string?> { ["Agent:GpuProbeCommand"] = smi });

        // A script written a moment ago can be briefly "text file busy" while other tests start processes: try again then.
        var gpu = await services.GetRequiredService<GpuProbe>().ProbeAsync(TestContext.Current.CancellationToken);
        for (var retry = 0; retry < 3 && gpu.Name == GpuProbe.Unknown; retry++)
        {
            await Task.Delay(200, TestContext.Current.CancellationToken);
            gpu = await services.GetRequiredService<GpuProbe>().ProbeAsync(TestContext.Current.CancellationToken);
        }

        Assert.Equal(("NVIDIA GeForce RTX 4090", 24564L, "550.54.14", "12.4"), (gpu.Name, gpu.MemoryMb, gpu.Driver, gpu.Cuda));
    }
}
