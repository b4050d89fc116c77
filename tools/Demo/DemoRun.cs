using System.Globalization;
using k8s;
using LoraTrainer.Api;
using LoraTrainer.Cluster;
using LoraTrainer.Testing;
using LoraTrainer.Testing.World;
using LoraTrainer.Testing.Trainer;

namespace LoraTrainer.Demo;

/// <summary>
/// Brings the whole system up on this machine with the dashboard beside it, applies the SDXL sample with
/// kubectl and narrates the run as a watch sees it: every phase, a progress bar with epoch and loss,
/// and the LoRA and sample images <c>kubectl lora download</c> fetched — or, when the run fails, the end of the GPU
/// container's log. With <see cref="DemoSettings.StayUp"/> everything keeps running afterwards until Ctrl+C.
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
            return await RunStackAsync(outputDirectory, stop.Token, cancellationToken);
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

    private async Task<int> RunStackAsync(string outputDirectory, CancellationToken cancellationToken, CancellationToken ctrlC)
    {
        output.WriteLine("LoraTrainer demo: the GPU and the clouds are SIMULATED on this machine.");
        output.WriteLine("  Kubernetes API: a local fake (kubectl works against it)   Vast.ai: a local simulator (no money spent)");
        output.WriteLine("  S3: s3rver on localhost   Civitai: a local fake   GPU: a fake sd-scripts that prints and writes what the real one does");
        output.WriteLine("  The operator, the webhook receiver, the GPU agent, kubectl lora and the dashboard are the real programs.");
        output.WriteLine();

        await using var stack = await TestWorld.StartAsync([TestWorld.Offer(501, machine: 71, price: 0.42)], cancellationToken);
        stack.Agents.Trainer = _ => new FakeTrainerSettings { EpochLosses = Losses, StepSeconds = _settings.StepSeconds, Mode = _settings.TrainerMode };
        // No sign-in, as a dashboard run beside kubectl port-forward is: it answers only on 127.0.0.1.
        await using var dashboard = new DashboardHost(stack.Kube, stack.S3.ServiceUrl, authentication: "None");
        await dashboard.StartAsync(cancellationToken);
        await CheckAnswersAsync(dashboard, cancellationToken);
        output.WriteLine($"Dashboard: {dashboard.BaseUrl} (open it in a browser to see the run live; read-only, on this machine only)");
        output.WriteLine();

        // The watch starts from before the apply, so it sees every state the run is written in, however briefly.
        var from = stack.Kube.ResourceVersion.ToString(CultureInfo.InvariantCulture);
        // The photos a user would have on their disk; the plugin checks them, uploads them where the manifest's dataset
        // says and applies the sample, then the demo follows the run itself to narrate each state.
        var desk = Directory.CreateTempSubdirectory("loratrainer-demo-").FullName;
        try
        {
            var photos = Path.Combine(desk, "photos");
            Directory.CreateDirectory(photos);
            foreach (var (name, content) in TestWorld.TrainingImages())
            {
                await File.WriteAllBytesAsync(Path.Combine(photos, name), content, cancellationToken);
            }

            var manifest = RepositoryRoot.Combine("config", "samples", "trainingrun-sdxl.yaml");
            await PluginAsync(stack, desk, "train ./photos -f config/samples/trainingrun-sdxl.yaml --detach",
                ["train", "photos", "-f", manifest, "--detach"], cancellationToken);
        }
        finally
        {
            Directory.Delete(desk, recursive: true);
        }

        output.WriteLine();

        var run = await FollowAsync(stack, from, cancellationToken);
        _narrator.EndBar();
        output.WriteLine();
        var exitCode = run.Status?.Phase == TrainingPhase.Completed
            ? await ShowResultAsync(stack, run, outputDirectory, cancellationToken)
            : await ShowFailureAsync(stack, run, cancellationToken);
        if (_settings.StayUp)
        {
            await StayUpAsync(stack, dashboard, ctrlC);
        }

        return exitCode;
    }

    private async Task<int> ShowResultAsync(TestWorld stack, TrainingRun run, string outputDirectory, CancellationToken cancellationToken)
    {
        var ledger = await stack.WaitForNothingAliveAsync(cancellationToken: cancellationToken);
        var best = run.Status!.Output!;
        output.WriteLine(Invariant($"Losses per epoch: {string.Join("  ", run.Status.Epochs.Where(e => e.Loss is not null).Select(e => $"{e.Epoch}:{e.Loss:0.###}"))}"));
        ShowSamples(run.Status.Epochs, outputDirectory);
        output.WriteLine(Invariant($"Best epoch: {best.Epoch} (loss {best.Loss:0.###}), {best.Bytes} bytes, sha256 {best.Sha256}"));
        output.WriteLine($"The LoRA is in S3 at {best.Uri}; the simulated S3 stops with the demo, so the plugin copies it here:");
        await PluginAsync(stack, Environment.CurrentDirectory, $"download {RunName} -o {outputDirectory} --samples",
            ["download", RunName, "-o", outputDirectory, "--samples"], cancellationToken);
        // The bill to the micro-dollar, the status to the four decimals it keeps: the one rounds to the other.
        output.WriteLine(Invariant($"GPU instance {run.Status.Gpu?.InstanceId} destroyed; instances alive at Vast: {ledger.AliveInstances}; simulated bill ${ledger.Dollars:0.000000} for {ledger.InstanceSeconds:0.0} s; status.cost ${run.Status.Cost?.EstimatedUsd:0.0000}"));
        return 0;
    }

    private async Task<int> ShowFailureAsync(TestWorld stack, TrainingRun run, CancellationToken cancellationToken)
    {
        output.WriteLine($"The run ended {run.Status?.Phase.ToWireName()}: {run.Status?.Message}");
        await ShowLogTailAsync(stack, run, cancellationToken);
        return 1;
    }

    /// <summary>
    /// Runs <c>kubectl lora</c> as a user would, showing the command as they would type it (<paramref name="shown"/>) and
    /// what it printed; the sample images it downloads are summed up in one line, as the list above names them.
    /// </summary>
    private async Task PluginAsync(TestWorld stack, string workingDirectory, string shown, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        output.WriteLine($"$ kubectl lora {shown}");
        var result = await KubectlLora.RunAsync(stack.PluginEnvironment(kubeconfig: true), workingDirectory, args, cancellationToken);
        if (result.ExitCode != 0)
        {
            var said = (result.Stderr.Trim() is { Length: > 0 } error ? error : result.Stdout.Trim()).ReplaceLineEndings(" ");
            throw new InvalidOperationException($"kubectl lora {args[0]} exited with {result.ExitCode}: {said}");
        }

        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var samples = lines.Where(IsSampleDownload).ToList();
        foreach (var line in lines.Where(line => !IsSampleDownload(line)))
        {
            output.WriteLine("  " + line);
        }

        if (samples.Count > 0)
        {
            output.WriteLine(Invariant($"  downloaded {samples.Count} sample images into {Path.GetDirectoryName(samples[0]["downloaded ".Length..])}"));
        }

        output.WriteLine();

        static bool IsSampleDownload(string line) =>
            line.StartsWith("downloaded ", StringComparison.Ordinal) && line.EndsWith(".png", StringComparison.Ordinal);
    }

    /// <summary>Asks the dashboard for the runs it shows, so the URL printed is one that answers and reads the cluster.</summary>
    private static async Task CheckAnswersAsync(DashboardHost dashboard, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = dashboard.BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
        using var response = await http.GetAsync(new Uri("api/runs", UriKind.Relative), cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException(Invariant($"the dashboard at {dashboard.BaseUrl} answered {(int)response.StatusCode} {response.ReasonPhrase}"));
        }
    }

    /// <summary>Keeps everything running until Ctrl+C, so a person can look at the dashboard and try the plugin against the world.</summary>
    private async Task StayUpAsync(TestWorld stack, DashboardHost dashboard, CancellationToken ctrlC)
    {
        output.WriteLine();
        output.WriteLine($"Everything is still running. The dashboard: {dashboard.BaseUrl}");
        output.WriteLine($"  kubectl and kubectl lora reach the simulated cluster with KUBECONFIG={stack.Kubectl.KubeconfigPath}");
        output.WriteLine("Press Ctrl+C to stop.");
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, TimeProvider.System, ctrlC);
        }
        catch (OperationCanceledException)
        {
            output.WriteLine("lora-demo: stopping everything the demo started.");
        }
    }

    /// <summary>
    /// Lists each epoch's sample images with their S3 keys (<c>kubectl lora download --samples</c> copies them into
    /// <c>samples/</c> beside the LoRA, where a person can open them after the simulated S3 is gone); a sample that
    /// failed is listed with its reason.
    /// </summary>
    private void ShowSamples(IReadOnlyList<EpochLoss> epochs, string outputDirectory)
    {
        var sampled = epochs.Where(e => e.Samples is { Count: > 0 }).OrderBy(e => e.Epoch).ToList();
        if (sampled.Count == 0)
        {
            return;
        }

        output.WriteLine($"Sample images per epoch (in S3 under s3://{TestWorld.OutputBucket}/; copied to {Path.GetFullPath(Path.Combine(outputDirectory, "samples"))}):");
        foreach (var epoch in sampled)
        {
            var label = epoch.Epoch == 0 ? "before training" : Invariant($"epoch {epoch.Epoch}");
            output.WriteLine($"  {label}:");
            foreach (var sample in epoch.Samples!)
            {
                output.WriteLine(sample.Key is { } key ? Invariant($"    prompt {sample.Prompt}: {key}") : Invariant($"    prompt {sample.Prompt}: failed ({sample.Error})"));
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
