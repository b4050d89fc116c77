using LoraTrainer.Agent.Configuration;
using LoraTrainer.Agent.Datasets;
using LoraTrainer.Agent.Downloads;
using LoraTrainer.Agent.Gpu;
using LoraTrainer.Agent.Reporting;
using LoraTrainer.Agent.States;
using LoraTrainer.Agent.Training;
using LoraTrainer.Agent.Training.Samples;
using LoraTrainer.Agent.Uploads;
using LoraTrainer.Agent.Watchdog;
using LoraTrainer.Protocol;
using LoraTrainer.Protocol.SdScripts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Agent.Running;

/// <summary>
/// One training attempt, start to finish: config → <c>gpuReady</c> → dataset (<c>imagesDownloaded</c>) → model
/// (<c>modelDownloaded</c>) → arguments (<c>ready</c>) → training → upload (<c>uploaded</c>). Any failure becomes one
/// <c>failed</c> event naming the stage, with secrets scrubbed, and a non-zero exit code.
/// </summary>
internal sealed class AgentRun(
    ConfigClient configClient,
    EventReporter reporter,
    GpuProbe gpuProbe,
    DatasetPreparer datasets,
    ModelDownloads models,
    ModelCacheFills cacheFills,
    TrainingStage training,
    SampleUploads samples,
    StateRestore states,
    StateUploads stateUploads,
    ResultUpload results,
    WorkLayout work,
    SecretScrubber scrubber,
    RunStop stop,
    IOptions<AgentOptions> options,
    TimeProvider time,
    ILogger<AgentRun> logger)
{
    // Once stopping, the container has seconds, not hours, to deliver what is queued.
    private static readonly TimeSpan StopDeliveryWindow = TimeSpan.FromSeconds(20);

    /// <summary>Runs the attempt and returns the exit code (see <see cref="ExitCodes"/>).</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        scrubber.Add(options.Value.RunToken);
        scrubber.Add(options.Value.ContainerApiKey);
        Directory.CreateDirectory(work.Root);
        if (Environment.GetEnvironmentVariable("SD_SCRIPTS_REF") is { Length: > 0 } imageRef && imageRef != SdScriptsArguments.Ref)
        {
            // The GPU image says which sd-scripts it holds; argument names are checked against the agent's lists.
            RunLog.RefMismatch(logger, imageRef, SdScriptsArguments.Ref);
        }

        AgentConfig config;
        try
        {
            config = await configClient.FetchAsync(cancellationToken);
        }
        catch (ReceiverUnreachableException ex)
        {
            RunLog.ReceiverUnreachable(logger, scrubber.Scrub(ex.Message));
            return ExitCodes.ReceiverUnreachable;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped while still waiting for the first config: nothing was started, and nobody can be told.
            return ExitCodes.ReceiverUnreachable;
        }
        catch (StageFailure failure)
        {
            reporter.Start(0, new ReportingPolicy());
            return await FinishAsync(ReportFailure(failure.Stage, failure.Message, []), cancellationToken);
        }

        reporter.Start(config.Run.Attempt, config.Reporting);
        return await FinishAsync(await AttemptAsync(config, cancellationToken), cancellationToken);
    }

    private async Task<int> AttemptAsync(AgentConfig config, CancellationToken cancellationToken)
    {
        var stage = Stages.Config;
        try
        {
            RunLog.StageStarted(logger, stage);
            var plan = RunPlanner.Plan(config, work, options.Value);
            reporter.Report(new AgentEvent { Kind = EventKinds.GpuReady, Gpu = await gpuProbe.ProbeAsync(cancellationToken) });

            RunLog.StageStarted(logger, stage = Stages.Images);
            var dataset = await datasets.PrepareAsync(config.Dataset, cancellationToken);
            reporter.Report(new AgentEvent { Kind = EventKinds.ImagesDownloaded, Images = dataset.Images, Captions = dataset.Captions, Bytes = dataset.ZipBytes });

            RunLog.StageStarted(logger, stage = Stages.Model);
            var model = await models.DownloadAsync(config.Model, cancellationToken);
            reporter.Report(new AgentEvent { Kind = EventKinds.ModelDownloaded, Bytes = model.Checkpoint.Bytes, Sha256 = model.Checkpoint.Sha256 });

            Directory.CreateDirectory(work.OutputDirectory);
            Directory.CreateDirectory(work.LoggingDirectory);
            var restored = await states.RestoreAsync(config.State, plan.Training.OutputName, cancellationToken);
            var arguments = restored.State is { } state ? StateArguments.Resume(plan.Arguments, state.Path) : plan.Arguments;
            await File.WriteAllTextAsync(work.ArgumentsToml, arguments.ToToml(), cancellationToken);
            if (config.Samples is { Prompts.Count: > 0 } sampling)
            {
                await File.WriteAllTextAsync(work.SamplePrompts, SamplePromptFile.Text(sampling.Prompts), cancellationToken);
            }

            // The epochs before the saved state were trained by earlier attempts: their kept files still count.
            var setup = restored.State is { } resumed
                ? plan.Training with { Earlier = [.. config.State?.Restore?.Epochs.Where(e => e.Epoch <= resumed.Epoch) ?? []] }
                : plan.Training;
            samples.Begin(config.Samples, config.Outputs.Samples, plan.Training.OutputName, plan.Training.Epochs, cancellationToken);
            stateUploads.Begin(config.State, plan.Training.OutputName, cancellationToken);
            reporter.Report(new AgentEvent { Kind = EventKinds.Ready, Epoch = restored.State?.Epoch, Reason = restored.Problem });
            cacheFills.Begin(model.ToCache, cancellationToken);

            RunLog.StageStarted(logger, stage = Stages.Training);
            var result = await training.RunAsync(setup, config.Reporting, cancellationToken);

            // The result's upload ends the attempt and releases the GPU: the cache fill, usually long done, goes first.
            await cacheFills.WaitAsync();
            RunLog.StageStarted(logger, stage = Stages.Upload);
            await results.UploadAsync(await FreshOutputsAsync(config, cancellationToken), setup, result, cancellationToken);
            return ExitCodes.Uploaded;
        }
        catch (StageFailure failure)
        {
            return ReportFailure(failure.Stage, failure.Message, failure.LogTail);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ReportFailure(stage, stop.Reason ?? "The agent was stopped before the run finished.", []);
        }
        catch (Exception ex)
        {
            return ReportFailure(stage, $"Unexpected {ex.GetType().Name}: {ex.Message}", []);
        }
    }

    // Training takes hours; the presigned PUTs fetched at start may have expired. A new fetch hands out fresh ones.
    private async Task<OutputTargets> FreshOutputsAsync(AgentConfig config, CancellationToken cancellationToken)
    {
        try
        {
            return (await configClient.FetchAsync(cancellationToken)).Outputs;
        }
        catch (Exception ex) when (ex is ReceiverUnreachableException or StageFailure)
        {
            RunLog.KeptOutputs(logger, scrubber.Scrub(ex.Message));
            return config.Outputs;
        }
    }

    private int ReportFailure(string stage, string reason, IReadOnlyList<string> logTail)
    {
        RunLog.Failed(logger, stage, scrubber.Scrub(reason));
        reporter.Report(new AgentEvent
        {
            Kind = EventKinds.Failed,
            Stage = stage,
            Reason = reason,
            LogTail = logTail.Count == 0 ? null : string.Join('\n', logTail),
        });
        return ExitCodes.Failed;
    }

    private async Task<int> FinishAsync(int exitCode, CancellationToken cancellationToken)
    {
        // A stop that comes while delivering (or before) cuts the wait short too.
        using var window = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        using var stopping = cancellationToken.Register(() => window.CancelAfter(StopDeliveryWindow));
        var delivered = await reporter.CompleteAsync(window.Token);
        return delivered || exitCode != ExitCodes.Uploaded ? exitCode : ExitCodes.ReceiverUnreachable;
    }
}
