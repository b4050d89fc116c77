using System.Text.Json;
using LoraTrainer.Api;
using LoraTrainer.Protocol;
using LoraTrainer.Protocol.SdScripts;

namespace LoraTrainer.Operator.TrainingRuns;

/// <summary>Builds the agent's config document for one attempt; a pure function of the run and the resolved inputs.</summary>
internal static class AgentConfigBuilder
{
    /// <summary>The config: identity, dataset and model sources, sd-scripts arguments, upload targets.</summary>
    /// <param name="training">The run's hyperparameters, resolved once for the family the model turned out to be.</param>
    public static AgentConfig Build(TrainingRun run, int attempt, ResolvedTraining training, ModelSource model, DatasetSource dataset, OutputTargets outputs)
    {
        var family = SdScriptsRules.Family(training.Family.ToWireName());
        return new AgentConfig
        {
            Run = new RunIdentity
            {
                Namespace = run.Metadata.NamespaceProperty,
                Name = run.Metadata.Name,
                Uid = run.Metadata.Uid ?? "",
                Attempt = attempt,
            },
            Dataset = dataset with
            {
                Layout = new DatasetLayout
                {
                    Repeats = run.Spec.Dataset.Repeats,
                    // The caption sd-scripts gives uncaptioned images; none when the spec turns generated captions off.
                    ClassTokens = Datasets.DatasetRequest.CaptionFor(run.Spec.Dataset),
                    Resolution = training.Resolution,
                    BatchSize = training.BatchSize,
                },
            },
            Model = model with { Family = family.Name },
            Training = new TrainingPlan { Script = family.Script, Args = Arguments(training, run.Spec.Training?.ExtraArgs), Gpus = run.Spec.Gpu?.NumGpus ?? 1 },
            Outputs = outputs,
            Samples = Samples(run, training),
            Limits = Limits(run),
        };
    }

    /// <summary>The run's sample images with the family defaults applied; null when it renders none.</summary>
    public static SamplePlan? Samples(TrainingRun run, ResolvedTraining training) =>
        SampleDefaults.Resolve(training.Family, run.Spec.Samples, training, run.Spec.Dataset) is not { } samples
            ? null
            : new SamplePlan
            {
                Prompts = [.. samples.Prompts.Select(p => new SamplePrompt
                {
                    Prompt = p.Prompt, NegativePrompt = p.NegativePrompt, Seed = p.Seed, Width = p.Width, Height = p.Height, Steps = p.Steps, CfgScale = p.CfgScale,
                })],
                EveryNEpochs = samples.EveryNEpochs,
                AtFirst = samples.AtFirst,
                Sampler = samples.Sampler,
            };

    /// <summary>
    /// The limits the agent enforces by itself when the operator cannot: the active deadline, and, once an instance is
    /// rented, the moment the budget runs out at its price. Null when the run sets neither.
    /// </summary>
    public static RunLimits? Limits(TrainingRun run)
    {
        var deadline = PhaseDeadlines.Active(run)?.At;
        var budget = RunCost.BudgetExhaustedAt(run);
        return deadline is null && budget is null ? null : new RunLimits { Deadline = deadline, BudgetExhaustedAt = budget };
    }

    /// <summary>sd-scripts arguments for the resolved hyperparameters, then the run's <c>extraArgs</c> over them; the agent adds the paths it owns.</summary>
    public static TrainingArgs Arguments(ResolvedTraining t, IReadOnlyDictionary<string, JsonElement>? extraArgs)
    {
        var trainsTextEncoder = t.TextEncoderLr > 0;
        var args = new TrainingArgs
        {
            NetworkModule = SdScriptsRules.Family(t.Family.ToWireName()).NetworkModule,
            NetworkDim = t.NetworkDim,
            NetworkAlpha = t.NetworkAlpha,
            LearningRate = t.LearningRate,
            UnetLr = t.UnetLr,
            TextEncoderLr = trainsTextEncoder ? t.TextEncoderLr : null,
            NetworkTrainUnetOnly = trainsTextEncoder ? null : true,
            OptimizerType = t.Optimizer.ToString(),
            LrScheduler = SchedulerName(t.LrScheduler),
            MaxTrainEpochs = t.MaxTrainEpochs,
            MixedPrecision = PrecisionName(t.MixedPrecision),
            SavePrecision = t.MixedPrecision == MixedPrecision.No ? "float" : PrecisionName(t.MixedPrecision),
            Seed = t.Seed,
            // Caching text-encoder outputs is only allowed when the text encoders are not trained (SDXL); Flux
            // trains its transformer only by default.
            CacheTextEncoderOutputs = t.Family == ModelFamily.Flux || (t.Family == ModelFamily.Sdxl && !trainsTextEncoder) ? true : null,
            Others = FamilySwitches(t),
        };

        return WithExtraArgs(args, extraArgs);
    }

    private static Dictionary<string, object?> FamilySwitches(ResolvedTraining t)
    {
        var switches = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["sdpa"] = true,
            ["gradient_checkpointing"] = true,
            ["cache_latents"] = true,
        };

        switch (t.Family)
        {
            case ModelFamily.Sdxl when t.MixedPrecision == MixedPrecision.Fp16:
                switches["no_half_vae"] = true;
                break;
            case ModelFamily.Flux:
                switches["guidance_scale"] = 1.0;
                switches["timestep_sampling"] = "flux_shift";
                switches["model_prediction_type"] = "raw";
                switches["fp8_base"] = true;
                break;
        }

        return switches;
    }

    /// <summary>
    /// The run's <c>extraArgs</c> over <paramref name="args"/>, through JSON so that a typed argument (one the rules
    /// read) lands in its typed property and any other in <see cref="TrainingArgs.Others"/>, each name once.
    /// </summary>
    private static TrainingArgs WithExtraArgs(TrainingArgs args, IReadOnlyDictionary<string, JsonElement>? extraArgs)
    {
        if (extraArgs is not { Count: > 0 })
        {
            return args;
        }

        var merged = JsonSerializer.SerializeToNode(args, ProtocolJsonContext.Default.TrainingArgs)!.AsObject();
        foreach (var (name, value) in extraArgs)
        {
            merged[name] = JsonSerializer.SerializeToNode(value, ProtocolJsonContext.Default.JsonElement);
        }

        return merged.Deserialize(ProtocolJsonContext.Default.TrainingArgs)!;
    }

    private static string SchedulerName(LrScheduler scheduler) => scheduler switch
    {
        LrScheduler.Constant => "constant",
        LrScheduler.ConstantWithWarmup => "constant_with_warmup",
        LrScheduler.Cosine => "cosine",
        LrScheduler.CosineWithRestarts => "cosine_with_restarts",
        LrScheduler.Linear => "linear",
        _ => "polynomial",
    };

    private static string PrecisionName(MixedPrecision precision) => precision switch
    {
        MixedPrecision.Bf16 => "bf16",
        MixedPrecision.Fp16 => "fp16",
        _ => "no",
    };
}
