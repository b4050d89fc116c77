using LoraTrainer.Api;
using LoraTrainer.Testing.Builders;

namespace LoraTrainer.Chart.Tests.Runs;

/// <summary>
/// Runs moved through their lifecycle by the real phase machine, one input at a time, so that the docs are checked
/// against the statuses the product writes rather than hand-made ones.
/// </summary>
internal static class RunLifecycle
{
    public static readonly DateTimeOffset Start = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    private static readonly GpuStatus Gpu = new() { InstanceId = "7835610", OfferId = "5520193", MachineId = "11032", GpuName = "RTX 4090", PricePerHour = 0.41 };

    /// <summary>Named points of a run's life, each the run as the product leaves it there.</summary>
    public static IReadOnlyDictionary<string, TrainingRun> Scenarios { get; } = Build();

    /// <summary>Applies inputs in order; every one must be accepted.</summary>
    public static TrainingRun Apply(TrainingRun run, params PhaseInput[] inputs)
    {
        var now = Start;
        foreach (var input in inputs)
        {
            now = now.AddMinutes(1);
            var result = PhaseMachine.Apply(run, input, now);
            if (!result.Accepted)
            {
                throw new InvalidOperationException($"{input} was not accepted: {result.Ignored}");
            }

            run = new TrainingRun { Metadata = run.Metadata, Spec = run.Spec, Status = result.Status };
        }

        return run;
    }

    private static Dictionary<string, TrainingRun> Build()
    {
        var fresh = new TrainingRunBuilder().Build();
        var accepted = Apply(fresh, new AcceptedInput());
        var pendingGpu = Apply(accepted, new GpuAllocatedInput(Gpu));
        var pendingImages = Apply(pendingGpu, new GpuReadyInput(1, 1, "RTX 4090", 24564));
        var pendingModel = Apply(pendingImages, new ImagesDownloadedInput(2, 1, 40, 40, 91_233_422));
        var modelDownloaded = Apply(pendingModel, new ModelDownloadedInput(3, 1, 6_938_078_334, null));
        var training = Apply(modelDownloaded, new ReadyInput(4, 1));
        var progress = Apply(training, new ProgressInput(5, 1, 38, 760, 2000, 4, 10, 0.0931, 1800));
        var finished = Apply(progress, new TrainingCompletedInput(6, 1, [new EpochLoss { Epoch = 7, Loss = 0.0902 }], 7));
        var uploaded = Apply(finished, new UploadedInput(7, 1, 7, 0.0902, "s3://trained-loras/loras/anna/portrait.safetensors", 228_450_000, null));
        var noRetries = new TrainingRunBuilder().WithBackoffLimit(0).Build();
        var suspended = Apply(accepted, new SuspendInput());

        return new()
        {
            ["accepted"] = accepted,
            ["waiting for the GPU"] = pendingGpu,
            ["downloading images"] = pendingImages,
            ["downloading the model"] = pendingModel,
            ["model downloaded"] = modelDownloaded,
            ["training"] = training,
            ["training progress"] = progress,
            ["training finished"] = finished,
            ["training finished, chosen by validation loss"] = Apply(progress, new TrainingCompletedInput(6, 1,
                [new EpochLoss { Epoch = 6, Loss = 0.0911, ValidationLoss = 0.1012 }, new EpochLoss { Epoch = 7, Loss = 0.0902, ValidationLoss = 0.1045 }], 6, "validationLoss")),
            ["uploaded"] = uploaded,
            ["completed"] = Apply(uploaded, new UploadVerifiedInput()),
            ["failed by the agent"] = Apply(training, new AgentFailedInput(5, 1, "training",
                "The GPU ran out of memory (CUDA out of memory). Lower batch_size or resolution, enable gradient_checkpointing, or use fp8_base / a GPU with more memory.")),
            ["failed by the operator"] = Apply(accepted, new FailInput("Civitai model version 135867 is a LORA, not a checkpoint: set spec.baseModel.civitai.modelVersionId to a checkpoint's version.", "InvalidSpec")),
            ["stalled with retries left"] = Apply(pendingImages, new StallInput("the images were not downloaded within 15m", "11032")),
            ["retrying on another machine"] = Apply(pendingImages, new StallInput("the host went offline", "11032"), new GpuAllocatedInput(Gpu with { MachineId = "20417" })),
            ["stalled with no retries left"] = Apply(noRetries, new AcceptedInput(), new GpuAllocatedInput(Gpu), new StallInput("no word from the agent for 10m", "11032")),
            ["suspended"] = suspended,
            ["dry run planned"] = Apply(accepted, new PlannedInput(new PlanStatus { OfferId = "5520193", GpuName = "RTX 4090", PricePerHour = 0.41, EstimatedHours = 2.5, EstimatedUsd = 1.03, MatchingOffers = 12 },
                "dry run: would rent RTX 4090 at $0.41/h for about 2.5h ($1.03); 12 offers match")),
            ["resumed"] = Apply(suspended, new ResumeInput()),
        };
    }
}
