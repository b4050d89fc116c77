using System.Globalization;
using System.Text.Json;
using LoraTrainer.Api;
using LoraTrainer.Protocol;

namespace LoraTrainer.Operator.TrainingRuns;

/// <summary>Builds the agent's config document for one attempt; a pure function of the run and the resolved inputs.</summary>
internal static class AgentConfigBuilder
{
    /// <summary>The config: identity, dataset and model sources, sd-scripts arguments, upload targets.</summary>
    public static AgentConfig Build(TrainingRun run, int attempt, ModelFamily family, ModelSource model, DatasetSource dataset, OutputTargets outputs)
    {
        var training = TrainingDefaults.Resolve(family, run.Spec.Training, run.Spec.Dataset);
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
            Model = model with { Family = family.ToWireName() },
            Training = new TrainingPlan { Script = TrainingDefaults.Script(family), Args = Arguments(training, run.Spec.Training?.ExtraArgs), Epochs = training.MaxTrainEpochs, Gpus = run.Spec.Gpu?.NumGpus ?? 1 },
            Outputs = outputs,
            Samples = Samples(run, family),
            Limits = Limits(run),
        };
    }

    /// <summary>The run's sample images with the family defaults applied; null when it renders none.</summary>
    public static SamplePlan? Samples(TrainingRun run, ModelFamily family)
    {
        var training = TrainingDefaults.Resolve(family, run.Spec.Training, run.Spec.Dataset);
        return SampleDefaults.Resolve(family, run.Spec.Samples, training, run.Spec.Dataset) is not { } samples
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
    }

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

    /// <summary>sd-scripts arguments for the resolved hyperparameters; the agent adds the paths it owns.</summary>
    public static IReadOnlyDictionary<string, object?> Arguments(ResolvedTraining t, IReadOnlyDictionary<string, JsonElement>? extraArgs)
    {
        var args = new SortedDictionary<string, object?>(StringComparer.Ordinal)
        {
            ["network_module"] = TrainingDefaults.NetworkModule(t.Family),
            ["network_dim"] = t.NetworkDim,
            ["network_alpha"] = t.NetworkAlpha,
            ["learning_rate"] = t.LearningRate,
            ["unet_lr"] = t.UnetLr,
            ["optimizer_type"] = t.Optimizer.ToString(),
            ["lr_scheduler"] = SchedulerName(t.LrScheduler),
            ["max_train_epochs"] = t.MaxTrainEpochs,
            ["mixed_precision"] = PrecisionName(t.MixedPrecision),
            ["save_precision"] = t.MixedPrecision == MixedPrecision.No ? "float" : PrecisionName(t.MixedPrecision),
            ["seed"] = t.Seed,
            ["sdpa"] = true,
            ["gradient_checkpointing"] = true,
            ["cache_latents"] = true,
        };

        if (t.TextEncoderLr > 0)
        {
            args["text_encoder_lr"] = t.TextEncoderLr;
        }
        else
        {
            args["network_train_unet_only"] = true;
        }

        switch (t.Family)
        {
            case ModelFamily.Sdxl:
                if (t.TextEncoderLr <= 0)
                {
                    // Caching text-encoder outputs is only allowed when the text encoders are not trained.
                    args["cache_text_encoder_outputs"] = true;
                }

                if (t.MixedPrecision == MixedPrecision.Fp16)
                {
                    args["no_half_vae"] = true;
                }

                break;
            case ModelFamily.Flux:
                args["guidance_scale"] = 1.0;
                args["timestep_sampling"] = "flux_shift";
                args["model_prediction_type"] = "raw";
                args["fp8_base"] = true;
                args["cache_text_encoder_outputs"] = true;
                break;
        }

        foreach (var (name, value) in extraArgs ?? new Dictionary<string, JsonElement>())
        {
            args[name] = Plain(value);
        }

        return args;
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

    /// <summary>A JSON value as the plain CLR value the agent writes into TOML.</summary>
    private static object? Plain(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number when value.TryGetInt64(out var integer) => integer,
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Array => value.EnumerateArray().Select(Plain).ToList(),
        _ => value.GetRawText().ToString(CultureInfo.InvariantCulture),
    };
}
