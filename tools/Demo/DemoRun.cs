using System.Globalization;
using LoraTrainer.Api;
using LoraTrainer.Demo.Stack;
using LoraTrainer.Testing.Trainer;

namespace LoraTrainer.Demo;

/// <summary>
/// Brings the whole system up on this machine, applies the SDXL sample with kubectl and narrates the run: phase
/// changes, a progress bar with epoch and loss, and where the LoRA ended up.
/// </summary>
internal sealed class DemoRun(TextWriter output, double stepSeconds = 0.01, TimeSpan? timeout = null)
{
    /// <summary>How long the whole demo may take before it gives up; it normally finishes in well under a minute.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(5);

    private const string RunName = "portrait-sdxl";
    private static readonly double[] Losses = [0.31, 0.24, 0.19, 0.15, 0.12, 0.081, 0.09, 0.095, 0.1, 0.11];
    private readonly TimeSpan _timeout = timeout ?? DefaultTimeout;
    private TrainingPhase? _phase;

    /// <summary>
    /// Runs the demo; returns 0 when the run completed, 1 when it did not (or not in time), 2 when a program it needs
    /// is missing, 130 when cancelled. Every failure is a plain sentence, never a stack trace.
    /// </summary>
    public async Task<int> RunAsync(string outputDirectory, CancellationToken cancellationToken)
    {
        if (Prerequisites.Missing() is { Count: > 0 } missing)
        {
            foreach (var line in missing)
            {
                output.WriteLine($"lora-demo: {line}");
            }

            return 2;
        }

        using var timedOut = new CancellationTokenSource(_timeout, TimeProvider.System);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timedOut.Token);
        try
        {
            return await RunStackAsync(outputDirectory, stop.Token);
        }
        catch (OperationCanceledException) when (timedOut.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            output.WriteLine();
            var limit = _timeout >= TimeSpan.FromMinutes(1) ? Invariant($"{_timeout.TotalMinutes:0.#} minutes") : Invariant($"{_timeout.TotalSeconds:0.#} seconds");
            var where = _phase is { } phase ? $"the run was in phase {phase}" : "the run had not started";
            output.WriteLine($"lora-demo: the demo did not finish within {limit} ({where}); everything it started has been stopped.");
            return 1;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            output.WriteLine();
            output.WriteLine("lora-demo: stopped; everything the demo started has been stopped.");
            return 130;
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException or HttpRequestException)
        {
            output.WriteLine();
            output.WriteLine($"lora-demo: {ex.Message}");
            return 1;
        }
    }

    private async Task<int> RunStackAsync(string outputDirectory, CancellationToken cancellationToken)
    {
        output.WriteLine("LoraTrainer demo: the GPU and the clouds are SIMULATED on this machine.");
        output.WriteLine("  Kubernetes API: a local fake (kubectl works against it)   Vast.ai: a local simulator (no money spent)");
        output.WriteLine("  S3: s3rver on localhost   Civitai: a local fake   GPU: a fake sd-scripts that prints and writes what the real one does");
        output.WriteLine("  The operator, the webhook receiver and the GPU agent are the real programs.");
        output.WriteLine();

        await using var stack = await EndToEndStack.StartAsync([EndToEndStack.Offer(501, machine: 71, price: 0.42)], cancellationToken);
        stack.Agents.Trainer = _ => new FakeTrainerSettings { EpochLosses = Losses, StepSeconds = stepSeconds };
        output.WriteLine("$ kubectl apply -f config/samples/trainingrun-sdxl.yaml");
        output.Write(await stack.ApplyAsync(Samples.Read("trainingrun-sdxl.yaml")));

        var run = await WatchAsync(stack, cancellationToken);
        output.WriteLine();
        if (run.Status?.Phase != TrainingPhase.Completed)
        {
            output.WriteLine($"The run ended {run.Status?.Phase}: {run.Status?.Message}");
            return 1;
        }

        var ledger = await stack.WaitForNothingAliveAsync(cancellationToken: cancellationToken);
        var best = run.Status.Output!;
        var bytes = await stack.S3.GetObjectAsync(EndToEndStack.OutputBucket, "loras/anna/portrait-sdxl.safetensors", cancellationToken)
            ?? throw new InvalidOperationException("the LoRA is not in S3");
        Directory.CreateDirectory(outputDirectory);
        var local = Path.GetFullPath(Path.Combine(outputDirectory, $"{RunName}.safetensors"));
        await File.WriteAllBytesAsync(local, bytes, cancellationToken);

        output.WriteLine(Invariant($"Losses per epoch: {string.Join("  ", run.Status.Epochs.Select(e => $"{e.Epoch}:{e.Loss:0.###}"))}"));
        output.WriteLine(Invariant($"Best epoch: {best.Epoch} (loss {best.Loss:0.###}), {best.Bytes} bytes, sha256 {best.Sha256}"));
        output.WriteLine($"The LoRA is in S3 at {best.Uri}");
        output.WriteLine($"  (the simulated S3 stops with the demo, so it was copied to {local})");
        output.WriteLine(Invariant($"GPU instance {run.Status.Gpu?.InstanceId} destroyed; instances alive at Vast: {ledger.AliveInstances}; simulated bill ${ledger.Dollars:0.0000} for {ledger.InstanceSeconds:0.0} s; status.cost ${run.Status.Cost?.EstimatedUsd:0.0000}"));
        return 0;
    }

    private async Task<TrainingRun> WatchAsync(EndToEndStack stack, CancellationToken cancellationToken)
    {
        var lastBar = "";
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var run = stack.Run(RunName);
            if (run?.Status is { } status)
            {
                if (status.Phase != _phase)
                {
                    if (lastBar.Length > 0)
                    {
                        output.WriteLine();
                        lastBar = "";
                    }

                    _phase = status.Phase;
                    output.WriteLine(Invariant($"[{DateTimeOffset.Now:HH:mm:ss}] phase {status.Phase}{Detail(status)}"));
                }

                if (status.Phase == TrainingPhase.Training && status.Progress is { } progress && Bar(progress) is var bar && bar != lastBar)
                {
                    output.Write("\r" + bar);
                    lastBar = bar;
                }

                if (status.Phase is TrainingPhase.Completed or TrainingPhase.Failed
                    || status is { Phase: TrainingPhase.Stalled, Gpu.ReleasedAt: not null } && status.Attempt > PhaseMachine.BackoffLimitOf(run))
                {
                    return await stack.WaitForAsync(RunName, r => r.Status?.Gpu?.ReleasedAt is not null || r.Status?.Phase != TrainingPhase.Completed, seconds: 15, cancellationToken);
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), TimeProvider.System, cancellationToken);
        }
    }

    private static string Detail(TrainingRunStatus status) => status.Phase switch
    {
        TrainingPhase.PendingGpu when status.Gpu is { } gpu => Invariant($": rented {gpu.GpuName} on machine {gpu.MachineId} at ${gpu.PricePerHour:0.00}/h (instance {gpu.InstanceId})"),
        TrainingPhase.Pending => ": zipping the images, resolving the model, looking for a GPU",
        TrainingPhase.PendingImages => ": the GPU is up; downloading the images",
        TrainingPhase.PendingModel => ": downloading the base model",
        TrainingPhase.Completed => ": the best epoch is verified in S3",
        _ => status.Message is { Length: > 0 } message ? $": {message}" : "",
    };

    private static string Bar(ProgressStatus progress)
    {
        var filled = Math.Clamp(progress.Percent / 5, 0, 20);
        return Invariant($"  [{new string('#', filled)}{new string('.', 20 - filled)}] {progress.Percent,3}%  epoch {progress.Epoch}/{progress.TotalEpochs}  loss {progress.Loss:0.0000}");
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
