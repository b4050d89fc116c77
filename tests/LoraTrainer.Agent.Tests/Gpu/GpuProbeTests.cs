using LoraTrainer.Agent.Gpu;
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
            Assert.Skip("The stand-in nvidia-smi is a shell script.");
            return;
        }

        using var work = new TempFolder();
        var smi = work.Combine("nvidia-smi");
        await File.WriteAllTextAsync(smi, """
            #!/bin/sh
            if [ "$1" = "--query-gpu=name,memory.total,driver_version" ]; then
              echo "NVIDIA GeForce RTX 4090, 24564, 550.54.14"
            else
              echo "| NVIDIA-SMI 550.54.14    Driver Version: 550.54.14    CUDA Version: 12.4 |"
            fi
            """, TestContext.Current.CancellationToken);
        File.SetUnixFileMode(smi, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
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
