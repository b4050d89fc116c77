using System.Globalization;
using System.Text.RegularExpressions;
using LoraTrainer.Protocol;

namespace LoraTrainer.Agent.Gpu;

/// <summary>Reads what <c>nvidia-smi</c> prints.</summary>
internal static partial class NvidiaSmiOutput
{
    /// <summary>The arguments of the CSV query <see cref="ParseQuery"/> reads.</summary>
    public static readonly string[] QueryArguments = ["--query-gpu=name,memory.total,driver_version", "--format=csv,noheader,nounits"];

    /// <summary>
    /// Parses the first GPU of <c>--query-gpu=name,memory.total,driver_version --format=csv,noheader,nounits</c>,
    /// e.g. <c>NVIDIA GeForce RTX 4090, 24564, 550.54.14</c>; null when nothing is recognisable.
    /// </summary>
    public static GpuInfo? ParseQuery(string output)
    {
        var line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        if (line is null)
        {
            return null;
        }

        var fields = line.Split(',', StringSplitOptions.TrimEntries);
        if (fields.Length < 3 || fields[0].Length == 0)
        {
            return null;
        }

        var memory = fields[1].Replace("MiB", "", StringComparison.OrdinalIgnoreCase).Trim();
        return new GpuInfo
        {
            Name = fields[0],
            MemoryMb = long.TryParse(memory, NumberStyles.Integer, CultureInfo.InvariantCulture, out var mb) ? mb : null,
            Driver = fields[2],
        };
    }

    /// <summary>The CUDA version from the banner of a plain <c>nvidia-smi</c> run (<c>CUDA Version: 12.4</c>).</summary>
    public static string? ParseCudaVersion(string banner)
    {
        var match = CudaVersion().Match(banner);
        return match.Success ? match.Groups[1].Value : null;
    }

    [GeneratedRegex(@"CUDA Version:\s*([0-9][0-9.]*)")]
    private static partial Regex CudaVersion();
}
