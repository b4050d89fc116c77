using System.Globalization;
using LoraTrainer.Testing.Vast;

namespace LoraTrainer.Testing.Gpu;

/// <summary>The GPU a simulated host has, as its NVIDIA driver reports it.</summary>
/// <param name="Name">The name nvidia-smi prints, e.g. <c>NVIDIA GeForce RTX 4090</c>.</param>
/// <param name="MemoryMb">Total memory in MiB.</param>
/// <param name="Driver">The driver version.</param>
/// <param name="Cuda">The highest CUDA version the driver supports.</param>
/// <param name="Uuid">The GPU's UUID, as <c>-L</c> lists it.</param>
public sealed record FakeGpu(string Name, long MemoryMb, string Driver, string Cuda, string Uuid)
{
    /// <summary>The GPU of a host offering <paramref name="offer"/>: its Vast name as the driver spells it, its memory, and and its host's driver and CUDA version.</summary>
    public static FakeGpu Of(SimulatedOffer offer)
    {
        ArgumentNullException.ThrowIfNull(offer);
        var cuda = offer.CudaMaxGood.ToString("0.0", CultureInfo.InvariantCulture);
        return new FakeGpu(DriverName(offer.GpuName, offer.GpuRamMb), (long)offer.GpuRamMb, offer.DriverVersion, cuda,
            string.Create(CultureInfo.InvariantCulture, $"GPU-{offer.Machine:x8}-0000-4000-8000-{offer.Id:x12}"));
    }

    /// <summary>
    /// How the NVIDIA driver names a GPU Vast lists as <paramref name="vastName"/>: GeForce cards carry their brand
    /// (<c>RTX 4090</c> is <c>NVIDIA GeForce RTX 4090</c>), data-centre cards their form factor and memory
    /// (<c>A100 SXM4</c> with 80 GB is <c>NVIDIA A100-SXM4-80GB</c>), the rest the NVIDIA prefix.
    /// </summary>
    public static string DriverName(string vastName, double memoryMb)
    {
        ArgumentNullException.ThrowIfNull(vastName);
        var gigabytes = memoryMb > 48 * 1024 ? 80 : 40;
        return vastName switch
        {
            "A100 SXM4" => $"NVIDIA A100-SXM4-{gigabytes}GB",
            "A100 PCIE" => gigabytes == 80 ? "NVIDIA A100 80GB PCIe" : "NVIDIA A100-PCIE-40GB",
            "H100 SXM" => "NVIDIA H100 80GB HBM3",
            "H100 PCIE" => "NVIDIA H100 PCIe",
            "RTX 6000Ada" => "NVIDIA RTX 6000 Ada Generation",
            _ when vastName.StartsWith("RTX ", StringComparison.Ordinal) && vastName.Length > 4 && char.IsAsciiDigit(vastName[4])
                || vastName.StartsWith("GTX ", StringComparison.Ordinal) => "NVIDIA GeForce " + vastName,
            _ => "NVIDIA " + vastName,
        };
    }
}
