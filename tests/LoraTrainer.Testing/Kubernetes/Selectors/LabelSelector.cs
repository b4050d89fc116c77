using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LoraTrainer.Testing.Kubernetes.Http;
using LoraTrainer.Testing.Kubernetes.Validation;

namespace LoraTrainer.Testing.Kubernetes.Selectors;

/// <summary>A parsed <c>labelSelector</c>: equality (<c>=</c>, <c>==</c>, <c>!=</c>), set (<c>in</c>, <c>notin</c>) and existence (<c>key</c>, <c>!key</c>) requirements, all of which must hold.</summary>
internal sealed partial class LabelSelector
{
    private readonly IReadOnlyList<Requirement> _requirements;

    private LabelSelector(IReadOnlyList<Requirement> requirements) => _requirements = requirements;

    public static LabelSelector? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return new LabelSelector([.. SplitTopLevel(text).Select(ParseRequirement)]);
    }

    public bool Matches(JsonObject obj) => Matches(KubeJson.Labels(obj));

    public bool Matches(IReadOnlyDictionary<string, string> labels) => _requirements.All(r => r.Matches(labels));

    private static Requirement ParseRequirement(string raw)
    {
        var text = raw.Trim();
        if (text.StartsWith('!'))
        {
            return new Requirement(ValidKey(text[1..].Trim(), raw), Operator.DoesNotExist, []);
        }

        var set = SetRequirement().Match(text);
        if (set.Success)
        {
            var values = set.Groups["values"].Value.Split(',').Select(v => ValidValue(v.Trim(), raw)).ToArray();
            var op = set.Groups["op"].Value == "in" ? Operator.In : Operator.NotIn;
            return new Requirement(ValidKey(set.Groups["key"].Value, raw), op, values);
        }

        var equality = EqualityRequirement().Match(text);
        if (equality.Success)
        {
            var op = equality.Groups["op"].Value switch
            {
                "!=" => Operator.NotIn,
                ">" => Operator.GreaterThan,
                "<" => Operator.LessThan,
                _ => Operator.In,
            };
            return new Requirement(ValidKey(equality.Groups["key"].Value, raw), op, [ValidValue(equality.Groups["value"].Value.Trim(), raw)]);
        }

        return new Requirement(ValidKey(text, raw), Operator.Exists, []);
    }

    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            depth += text[i] switch { '(' => 1, ')' => -1, _ => 0 };
            if (text[i] == ',' && depth == 0)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }

        yield return text[start..];
    }

    private static string ValidKey(string key, string requirement) =>
        ObjectMetaRules.IsQualifiedName(key) ? key : throw Unparsable(requirement, $"invalid label key \"{key}\"");

    private static string ValidValue(string value, string requirement) =>
        ObjectMetaRules.IsLabelValue(value)
            ? value
            : throw Unparsable(requirement, $"invalid label value: \"{value}\"");

    private static KubeApiException Unparsable(string requirement, string why) =>
        KubeErrors.BadRequest($"unable to parse requirement: {why} in \"{requirement.Trim()}\"");

    [GeneratedRegex(@"^(?<key>\S+)\s+(?<op>in|notin)\s*\((?<values>[^)]*)\)$")]
    private static partial Regex SetRequirement();

    [GeneratedRegex(@"^(?<key>[^!=<>\s]+)\s*(?<op>==|=|!=|>|<)\s*(?<value>.*)$")]
    private static partial Regex EqualityRequirement();

    private enum Operator
    {
        In,
        NotIn,
        Exists,
        DoesNotExist,
        GreaterThan,
        LessThan,
    }

    private sealed record Requirement(string Key, Operator Op, IReadOnlyList<string> Values)
    {
        public bool Matches(IReadOnlyDictionary<string, string> labels)
        {
            var has = labels.TryGetValue(Key, out var value);
            return Op switch
            {
                Operator.In => has && Values.Contains(value),
                Operator.NotIn => !has || !Values.Contains(value),
                Operator.Exists => has,
                Operator.DoesNotExist => !has,
                Operator.GreaterThan => has && long.TryParse(value, out var g) && long.TryParse(Values[0], out var gv) && g > gv,
                Operator.LessThan => has && long.TryParse(value, out var l) && long.TryParse(Values[0], out var lv) && l < lv,
                _ => false,
            };
        }
    }
}
