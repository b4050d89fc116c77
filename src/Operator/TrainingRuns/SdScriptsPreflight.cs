using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using LoraTrainer.Api;
using LoraTrainer.Protocol;
using LoraTrainer.Protocol.SdScripts;

namespace LoraTrainer.Operator.TrainingRuns;

/// <summary>
/// Refuses, before a GPU is rented, the sd-scripts arguments the agent would refuse on it: the same
/// <see cref="SdScriptsRules"/>, applied to the arguments the agent will be sent.
/// </summary>
internal static class SdScriptsPreflight
{
    private static readonly IReadOnlyDictionary<string, JsonPropertyInfo> Typed = ProtocolJson.Options.GetTypeInfo(typeof(TrainingArgs)).Properties
        .Where(p => !p.IsExtensionData).ToDictionary(p => p.Name, StringComparer.Ordinal);

    /// <summary>
    /// What the schema cannot check about <c>spec.training.extraArgs</c>: a forbidden argument with the reason, then one
    /// that is not on the allowlist or whose value sd-scripts cannot take.
    /// </summary>
    public static IReadOnlyList<string> ExtraArgErrors(IReadOnlyDictionary<string, JsonElement>? extraArgs)
    {
        if (extraArgs is null)
        {
            return [];
        }

        var forbidden = extraArgs.Keys.Where(SdScriptsRules.Forbidden.ContainsKey).Order(StringComparer.Ordinal);
        var others = extraArgs.Where(a => !SdScriptsRules.Forbidden.ContainsKey(a.Key)).OrderBy(a => a.Key, StringComparer.Ordinal);
        return [.. forbidden.Select(name => $"spec.training.extraArgs.{name} is not allowed: {SdScriptsRules.Forbidden[name]}"),
            .. others.Select(a => ValueError(a.Key, a.Value)).OfType<string>()];
    }

    /// <summary>
    /// Once the family is known: arguments its script does not take, then the combinations its script refuses among
    /// the operator's arguments and the run's <c>extraArgs</c>.
    /// </summary>
    public static IReadOnlyList<string> FamilyErrors(ResolvedTraining training, IReadOnlyDictionary<string, JsonElement>? extraArgs)
    {
        var family = SdScriptsRules.Family(training.Family.ToWireName());
        var foreign = (extraArgs?.Keys ?? []).Where(name => SdScriptsRules.ExtraArgs.Contains(name) && !family.TakesExtraArg(name)).Order(StringComparer.Ordinal).ToList();
        if (foreign.Count > 0)
        {
            return [.. foreign.Select(name =>
                $"spec.training.extraArgs.{name} is only for {string.Join(" and ", SdScriptsRules.Families.Where(f => f.TakesExtraArg(name)).Select(f => f.Name))} models, and this run trains {family.Name}")];
        }

        var args = AgentConfigBuilder.Arguments(training, extraArgs);
        return [.. SdScriptsRules.Conflicts(family.Script, args).Select(c => $"spec.training.extraArgs.{c.Argument} {c.Problem}")];
    }

    /// <summary>Sample sizes the family does not render, and more sampled epochs than status and the config hold.</summary>
    public static IReadOnlyList<string> SampleErrors(TrainingRun run, ResolvedTraining training)
    {
        if (AgentConfigBuilder.Samples(run, training) is not { } samples)
        {
            return [];
        }

        var errors = new List<string>(SampleDefaults.SizeErrors(training.Family, SampleDefaults.Resolve(training.Family, run.Spec.Samples, training, run.Spec.Dataset)));
        var sampled = samples.SampledEpochs(training.MaxTrainEpochs).Count;
        if (sampled > SampleDefaults.MaxSampledEpochs)
        {
            errors.Add($"spec.samples.everyNEpochs: {training.MaxTrainEpochs} epochs sampled every {samples.EveryNEpochs} render {sampled} rounds, more than {SampleDefaults.MaxSampledEpochs}; raise everyNEpochs");
        }

        return errors;
    }

    private static string? ValueError(string name, JsonElement value)
    {
        if (!SdScriptsRules.ExtraArgs.Contains(name))
        {
            return $"spec.training.extraArgs.{name} is not an allowed sd-scripts argument";
        }

        if (value.ValueKind is JsonValueKind.Object or JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return $"spec.training.extraArgs.{name} must be a number, string, boolean or list";
        }

        if (name == "validation_split" && !(value.ValueKind == JsonValueKind.Number && value.GetDouble() is >= 0 and < 1))
        {
            // sd-scripts skips a split outside [0, 1) with only a warning, and the run would choose by training loss.
            return "spec.training.extraArgs.validation_split must be a number from 0 up to (not including) 1: the share of images held out for validation";
        }

        return Typed.TryGetValue(name, out var property) && !Fits(property, value)
            ? $"spec.training.extraArgs.{name} must be {Kind(property.PropertyType)}"
            : null;
    }

    // The arguments the rules read are typed on the wire, so a value of another kind would not reach the GPU at all.
    private static bool Fits(JsonPropertyInfo property, JsonElement value)
    {
        try
        {
            value.Deserialize(ProtocolJson.Options.GetTypeInfo(property.PropertyType));
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Kind(Type type) => (Nullable.GetUnderlyingType(type) ?? type) switch
    {
        var t when t == typeof(bool) => "true or false",
        var t when t == typeof(string) => "a string",
        var t when t == typeof(int) => "a whole number",
        var t when t == typeof(double) => "a number",
        _ => "a list of strings",
    };
}
