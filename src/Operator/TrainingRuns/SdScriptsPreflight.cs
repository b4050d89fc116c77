using System.Text.Json;
using LoraTrainer.Api;
using LoraTrainer.Protocol;

namespace LoraTrainer.Operator.TrainingRuns;

/// <summary>
/// Refuses, before a GPU is rented, the sd-scripts arguments the agent would refuse on it: the same
/// <see cref="SdScriptsRules"/>, applied to the arguments the agent will be sent.
/// </summary>
internal static class SdScriptsPreflight
{
    /// <summary>
    /// What the schema cannot check about <c>spec.training.extraArgs</c>: a forbidden argument with the reason, then
    /// <see cref="ExtraArgs.Validate"/> for the others.
    /// </summary>
    public static IReadOnlyList<string> ExtraArgErrors(IReadOnlyDictionary<string, JsonElement>? extraArgs)
    {
        if (extraArgs is null)
        {
            return [];
        }

        var forbidden = extraArgs.Keys.Where(SdScriptsRules.Forbidden.ContainsKey).Order(StringComparer.Ordinal);
        var others = extraArgs.Where(a => !SdScriptsRules.Forbidden.ContainsKey(a.Key)).ToDictionary(StringComparer.Ordinal);
        return [.. forbidden.Select(name => $"spec.training.extraArgs.{name} is not allowed: {SdScriptsRules.Forbidden[name]}"), .. ExtraArgs.Validate(others)];
    }

    /// <summary>
    /// Once the family is known: arguments its script does not take, then the combinations its script refuses among
    /// the operator's arguments and the run's <c>extraArgs</c>.
    /// </summary>
    public static IReadOnlyList<string> FamilyErrors(TrainingRun run, ModelFamily family)
    {
        var extraArgs = run.Spec.Training?.ExtraArgs;
        if (ExtraArgs.ValidateFor(extraArgs, family) is { Count: > 0 } errors)
        {
            return errors;
        }

        var training = TrainingDefaults.Resolve(family, run.Spec.Training, run.Spec.Dataset);
        var args = AgentConfigBuilder.Arguments(training, extraArgs);
        return [.. SdScriptsRules.Conflicts(TrainingDefaults.Script(family), args).Select(c => $"spec.training.extraArgs.{c.Argument} {c.Problem}"), .. SampleErrors(run, family)];
    }

    /// <summary>Sample sizes the family does not render, and more sampled epochs than status and the config hold.</summary>
    public static IReadOnlyList<string> SampleErrors(TrainingRun run, ModelFamily family)
    {
        if (AgentConfigBuilder.Samples(run, family) is not { } samples)
        {
            return [];
        }

        var training = TrainingDefaults.Resolve(family, run.Spec.Training, run.Spec.Dataset);
        var errors = new List<string>(SampleDefaults.SizeErrors(family, SampleDefaults.Resolve(family, run.Spec.Samples, training, run.Spec.Dataset)));
        var sampled = samples.SampledEpochs(training.MaxTrainEpochs).Count;
        if (sampled > SampleDefaults.MaxSampledEpochs)
        {
            errors.Add($"spec.samples.everyNEpochs: {training.MaxTrainEpochs} epochs sampled every {samples.EveryNEpochs} render {sampled} rounds, more than {SampleDefaults.MaxSampledEpochs}; raise everyNEpochs");
        }

        return errors;
    }
}
