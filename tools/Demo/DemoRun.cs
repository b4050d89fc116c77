using System.Globalization;
using k8s;
using LoraTrainer.Api;
using LoraTrainer.Cluster;
using LoraTrainer.Testing.World;
using LoraTrainer.Testing.Trainer;

namespace LoraTrainer.Demo;

/// <summary>
/// Brings the whole system up on this machine, applies the SDXL sample with kubectl and narrates the run as a watch
/// sees it: every phase, a progress bar with epoch and loss, and where the LoRA ended up — or, when the run fails,
/// the end of the GPU container's log.
/// </summary>
internal sealed class DemoRun(TextWriter output, DemoSettings? settings = null)
{
    private const string RunName = "portrait-sdxl";
    private const int LogTailLines = 15;
    private static readonly double[] Losses = [0.31, 0.24, 0.19, 0.15, 0.12, 0.081, 0.09, 0.095, 0.1, 0.11];
    private readonly DemoSettings _settings = settings ?? new DemoSettings();
    private readonly RunNarrator _narrator = new(output, settings?.Terminal == true, TimeProvider.System);

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

        using var timedOut = new CancellationTokenSource(_settings.Timeout, TimeProvider.System);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timedOut.Token);
        try
        {
            return await RunStackAsync(outputDirectory, stop.Token);
        }
        catch (OperationCanceledException) when (timedOut.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            _narrator.EndBar();
            var timeout = _settings.Timeout;
            var limit = timeout >= TimeSpan.FromMinutes(1) ? Invariant($"{timeout.TotalMinutes:0.#} minutes") : Invariant($"{timeout.TotalSeconds:0.#} seconds");
            var where = _narrator.Phase is { } phase ? $"the run was in phase {phase.ToWireName()}" : "the run had not started";
            output.WriteLine($"lora-demo: the demo did not finish within {limit} ({where}); everything it started has been stopped.");
            return 1;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _narrator.EndBar();
            output.WriteLine("lora-demo: stopped; everything the demo started has been stopped.");
            return 130;
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException or HttpRequestException or KubernetesApiException)
        {
            _narrator.EndBar();
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

        await using var stack = await TestWorld.StartAsync([TestWorld.Offer(501, machine: 71, price: 0.42)], cancellationToken);
        stack.Agents.Trainer = _ => new FakeTrainerSettings { EpochLosses = Losses, StepSeconds = _settings.StepSeconds, Mode = _settings.TrainerMode };
        // The watch starts from before the apply, so it sees every state the run is written in, however briefly.
        var from = stack.Kube.ResourceVersion.ToString(CultureInfo.InvariantCulture);
        output.WriteLine("$ kubectl apply -f config/samples/trainingrun-sdxl.yaml");
        output.Write(await stack.ApplyAsync(Samples.Read("trainingrun-sdxl.yaml")));

        var run = await FollowAsync(stack, from, cancellationToken);
        _narrator.EndBar();
        output.WriteLine();
        if (run.Status?.Phase != TrainingPhase.Completed)
        {
            output.WriteLine($"The run ended {run.Status?.Phase.ToWireName()}: {run.Status?.Message}");
            await ShowLogTailAsync(stack, run, cancellationToken);
            return 1;
        }

        var ledger = await stack.WaitForNothingAliveAsync(cancellationToken: cancellationToken);
        var best = run.Status.Output!;
        var bytes = await stack.S3.GetObjectAsync(TestWorld.OutputBucket, "loras/anna/portrait-sdxl.safetensors", cancellationToken)
            ?? throw new InvalidOperationException("the LoRA is not in S3");
        Directory.CreateDirectory(outputDirectory);
        var local = Path.GetFullPath(Path.Combine(outputDirectory, $"{RunName}.safetensors"));
        await File.WriteAllBytesAsync(local, bytes, cancellationToken);

        output.WriteLine(Invariant($"Losses per epoch: {string.Join("  ", run.Status.Epochs.Where(e => e.Loss is not null).Select(e => $"{e.Epoch}:{e.Loss:0.###}"))}"));
        await ShowSamplesAsync(stack, run.Status.Epochs, outputDirectory, cancellationToken);
        output.WriteLine(Invariant($"Best epoch: {best.Epoch} (loss {best.Loss:0.###}), {best.Bytes} bytes, sha256 {best.Sha256}"));
        output.WriteLine($"The LoRA is in S3 at {best.Uri}");
        output.WriteLine($"  (the simulated S3 stops with the demo, so it was copied to {local})");
        // The bill to the micro-dollar, the status to the four decimals it keeps: the one rounds to the other.
        output.WriteLine(Invariant($"GPU instance {run.Status.Gpu?.InstanceId} destroyed; instances alive at Vast: {ledger.AliveInstances}; simulated bill ${ledger.Dollars:0.000000} for {ledger.InstanceSeconds:0.0} s; status.cost ${run.Status.Cost?.EstimatedUsd:0.0000}"));
        return 0;
    }

    /// <summary>
    /// Lists each epoch's sample images with their S3 keys and copies them into <c>samples/</c> beside the LoRA, where a
    /// person can open them after the simulated S3 is gone; a sample that failed is listed with its reason.
    /// </summary>
    private async Task ShowSamplesAsync(TestWorld stack, IReadOnlyList<EpochLoss> epochs, string outputDirectory, CancellationToken cancellationToken)
    {
        var sampled = epochs.Where(e => e.Samples is { Count: > 0 }).OrderBy(e => e.Epoch).ToList();
        if (sampled.Count == 0)
        {
            return;
        }

        var folder = Path.GetFullPath(Path.Combine(outputDirectory, "samples"));
        Directory.CreateDirectory(folder);
        output.WriteLine($"Sample images per epoch (in S3 under s3://{TestWorld.OutputBucket}/; copied to {folder}):");
        foreach (var epoch in sampled)
        {
            var label = epoch.Epoch == 0 ? "before training" : Invariant($"epoch {epoch.Epoch}");
            output.WriteLine($"  {label}:");
            foreach (var sample in epoch.Samples!)
            {
                if (sample.Key is not { } key)
                {
                    output.WriteLine(Invariant($"    prompt {sample.Prompt}: failed ({sample.Error})"));
                    continue;
                }

                var bytes = await stack.S3.GetObjectAsync(TestWorld.OutputBucket, key, cancellationToken)
                    ?? throw new InvalidOperationException($"the sample image {key} is not in S3");
                await File.WriteAllBytesAsync(Path.Combine(folder, Path.GetFileName(key)), bytes, cancellationToken);
                output.WriteLine(Invariant($"    prompt {sample.Prompt}: {key}"));
            }
        }
    }

    /// <summary>Watches the run from <paramref name="resourceVersion"/>, showing each state, until it is over and its GPU released.</summary>
    private async Task<TrainingRun> FollowAsync(TestWorld stack, string resourceVersion, CancellationToken cancellationToken)
    {
        using var client = stack.Kube.CreateClient();
        var runs = new CustomResourceClient<TrainingRun>(client);
        while (true)
        {
            await foreach (var (type, run) in runs.WatchAsync(stack.Namespace, resourceVersion, timeoutSeconds: 60, cancellationToken))
            {
                resourceVersion = run.Metadata?.ResourceVersion ?? resourceVersion;
                if (type is not (WatchEventType.Added or WatchEventType.Modified) || run.Metadata?.Name != RunName || run.Status is not { } status)
                {
                    continue;
                }

                _narrator.Show(status);
                if (PhaseMachine.IsTerminal(run))
                {
                    return await stack.WaitForAsync(RunName, r => r.Status?.Gpu?.ReleasedAt is not null || r.Status?.Gpu is null, seconds: 15, cancellationToken);
                }
            }
        }
    }

    /// <summary>The end of the log of the GPU container that ran the last attempt: what the agent and the trainer said before it gave up.</summary>
    private async Task ShowLogTailAsync(TestWorld stack, TrainingRun run, CancellationToken cancellationToken)
    {
        if (!long.TryParse(run.Status?.Gpu?.InstanceId, NumberStyles.Integer, CultureInfo.InvariantCulture, out var instanceId)
            || !stack.Agents.Agents.TryGetValue(instanceId, out var agent))
        {
            return;
        }

        var tail = await agent.LogTailAsync(LogTailLines, cancellationToken);
        output.WriteLine($"The GPU container's log (instance {instanceId}) ends with:");
        foreach (var line in tail)
        {
            output.WriteLine("  " + line);
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
