using LoraTrainer.Cluster;
using System.Text.Json.Nodes;
using LoraTrainer.Testing.Kubernetes;

namespace LoraTrainer.Chart.Tests.Values;

/// <summary>Combines user values with the chart's defaults as Helm does: maps merge key by key, anything else replaces, null removes.</summary>
internal static class ValuesMerge
{
    /// <summary>The chart's defaults with <paramref name="overridesYaml"/> applied on top.</summary>
    public static JsonObject WithDefaults(string overridesYaml)
    {
        var values = ChartFiles.DefaultValues();
        var overrides = overridesYaml.Trim().Length == 0 ? new JsonObject() : Manifests.Parse(overridesYaml).Single();
        Apply(values, overrides);
        return values;
    }

    private static void Apply(JsonObject target, JsonObject overrides)
    {
        foreach (var (key, value) in overrides.ToList())
        {
            if (value is null)
            {
                target.Remove(key);
            }
            else if (value is JsonObject map && target[key] is JsonObject existing)
            {
                Apply(existing, map);
            }
            else
            {
                target[key] = value.DeepClone();
            }
        }
    }
}
