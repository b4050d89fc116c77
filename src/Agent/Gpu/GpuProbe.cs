using System.ComponentModel;
using System.Diagnostics;
using LoraTrainer.Agent.Configuration;
using LoraTrainer.Protocol;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Agent.Gpu;

/// <summary>Asks <c>nvidia-smi</c> what GPU this host has; a host without it is reported as unknown rather than failing.</summary>
internal sealed class GpuProbe(IOptions<AgentOptions> options, TimeProvider time)
{
    /// <summary>The name reported when the GPU cannot be queried.</summary>
    public const string Unknown = "unknown";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>The GPU seen, or a <see cref="GpuInfo"/> named <see cref="Unknown"/>.</summary>
    public async Task<GpuInfo> ProbeAsync(CancellationToken cancellationToken)
    {
        var query = await RunAsync(NvidiaSmiOutput.QueryArguments, cancellationToken);
        var gpu = query is null ? null : NvidiaSmiOutput.ParseQuery(query);
        if (gpu is null)
        {
            return new GpuInfo { Name = Unknown };
        }

        var banner = await RunAsync([], cancellationToken);
        return gpu with { Cuda = banner is null ? null : NvidiaSmiOutput.ParseCudaVersion(banner) };
    }

    private async Task<string?> RunAsync(string[] arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(options.Value.GpuProbeCommand)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(start);
            if (process is null)
            {
                return null;
            }

            using var deadline = new CancellationTokenSource(Timeout, time);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
            var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
            _ = process.StandardError.ReadToEndAsync(timeout.Token);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                return null;
            }

            return process.ExitCode == 0 ? await output : null;
        }
        catch (Win32Exception)
        {
            // No nvidia-smi on this host (or not executable): the GPU is unknown, not an error.
            return null;
        }
    }
}
