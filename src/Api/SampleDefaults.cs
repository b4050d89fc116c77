using System.Text.Json.Serialization;

namespace LoraTrainer.Api;

/// <summary>A sample prompt with every value decided.</summary>
public sealed record ResolvedSamplePrompt(string Prompt, string? NegativePrompt, int Seed, int Width, int Height, int Steps, double CfgScale);

/// <summary>The sample images of a run with every value decided.</summary>
public sealed record ResolvedSamples(IReadOnlyList<ResolvedSamplePrompt> Prompts, int EveryNEpochs, bool AtFirst, string Sampler);

/// <summary>Per-family defaults and limits of sample images.</summary>
public static class SampleDefaults
{
    /// <summary>The most prompts a run may render per epoch: each costs GPU time at every sampled epoch, and its key stays in status.</summary>
    public const int MaxPrompts = 8;

    /// <summary>
    /// The most epochs a run may sample (the baseline included): status lists a key per prompt and sampled epoch, and the
    /// config a presigned PUT for each, so both stay small (see docs/trainingrun.md, Sample images).
    /// </summary>
    public const int MaxSampledEpochs = 100;

    /// <summary>The smallest and largest sample side a family renders well, in pixels.</summary>
    public static (int Min, int Max) SizeRange(ModelFamily family) => family switch
    {
        ModelFamily.Sd15 => (256, 1024),
        ModelFamily.Sdxl => (512, 2048),
        _ => (256, 2048),
    };

    /// <summary>The spec's samples with the family defaults applied; null when the run renders none.</summary>
    public static ResolvedSamples? Resolve(ModelFamily family, SamplesSpec? samples, ResolvedTraining training, DatasetSpec dataset)
    {
        if (samples is null || samples.Prompts.Count == 0)
        {
            return null;
        }

        var flux = family == ModelFamily.Flux;
        var prompts = samples.Prompts.Select((p, index) => new ResolvedSamplePrompt(
            string.IsNullOrWhiteSpace(p.Prompt) ? DefaultPrompt(dataset) : p.Prompt.Trim(),
            string.IsNullOrWhiteSpace(p.NegativePrompt) ? null : p.NegativePrompt.Trim(),
            p.Seed ?? training.Seed + index,
            p.Width ?? training.Resolution,
            p.Height ?? training.Resolution,
            p.Steps ?? (flux ? 20 : 28),
            p.CfgScale ?? (flux ? 1.0 : 7.0))).ToList();
        return new ResolvedSamples(prompts, samples.EveryNEpochs, samples.AtFirst, SamplerName(samples.Sampler ?? SampleSampler.EulerA));
    }

    /// <summary>Sizes outside what <paramref name="family"/> renders, one message per prompt naming the field to fix.</summary>
    public static IReadOnlyList<string> SizeErrors(ModelFamily family, ResolvedSamples? samples)
    {
        var (min, max) = SizeRange(family);
        return samples is null
            ? []
            : [.. samples.Prompts.Select((p, i) => (p, i))
                .Where(x => x.p.Width < min || x.p.Width > max || x.p.Height < min || x.p.Height > max)
                .Select(x => $"spec.samples.prompts[{x.i}]: {x.p.Width}x{x.p.Height} is outside what {family.ToWireName()} renders ({min} to {max} pixels a side)")];
    }

    /// <summary>The prompt used when a sample gives none: the trigger word and class tokens, so the sample shows what the LoRA learned.</summary>
    public static string DefaultPrompt(DatasetSpec dataset)
    {
        var words = string.Join(' ', new[] { dataset.TriggerWord, dataset.ClassTokens }.Where(w => !string.IsNullOrWhiteSpace(w)));
        return words.Length == 0 ? "a photo" : words;
    }

    private static string SamplerName(SampleSampler sampler) =>
        typeof(SampleSampler).GetField(sampler.ToString())!.GetCustomAttributes(typeof(JsonStringEnumMemberNameAttribute), false)
            .Cast<JsonStringEnumMemberNameAttribute>().Single().Name;
}
