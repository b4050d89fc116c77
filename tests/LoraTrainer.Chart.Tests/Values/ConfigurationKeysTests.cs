using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;

namespace LoraTrainer.Chart.Tests.Values;

public sealed class ConfigurationKeysTests
{
    private static readonly NullabilityInfoContext Nullability = new();

    [Fact]
    public void Sections_CoverEveryOptionsClassTheProcessesDeclare()
    {
        var declared = BoundSection.Processes.SelectMany(assembly => assembly.GetTypes())
            .Where(type => BoundSection.DeclaredSection(type) is not null && type.Name.EndsWith("Options", StringComparison.Ordinal))
            .ToList();

        var missing = declared.Where(type => BoundSection.All.All(section => section.Options != type)).Select(type => type.FullName).ToList();

        Assert.True(missing.Count == 0, $"Options classes the chart does not configure: {string.Join(", ", missing)}. Add them to operator.config or receiver.config in values.yaml, values.schema.json, docs/configuration.md and {nameof(BoundSection)}.");
        Assert.All(BoundSection.All.Where(section => BoundSection.DeclaredSection(section.Options) is not null),
            section => Assert.Equal(section.ConfigKey, BoundSection.DeclaredSection(section.Options)));
    }

    [Fact]
    public void Schema_DescribesExactlyTheKeysTheCodeBinds()
    {
        var schema = ValuesSchema.Document();
        var problems = new List<string>();
        foreach (var section in BoundSection.All)
        {
            var node = ValuesSchema.At(schema, section.ValuesPath) ?? throw new InvalidOperationException($"values.schema.json has no {section.ValuesPath}");
            var children = BoundSection.All.Where(s => s.ConfigKey.StartsWith(section.ConfigKey + ":", StringComparison.Ordinal)).Select(s => s.ConfigKey.Split(':')[^1]);
            CompareKeys(node, section.Options, section.SetByChart, children, section.ValuesPath, problems);
        }

        Assert.True(problems.Count == 0, "values.schema.json and the options classes disagree:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void Schema_TypesAndLimitsMatchTheOptionsClasses()
    {
        var schema = ValuesSchema.Document();
        var problems = new List<string>();
        foreach (var (path, property) in Leaves())
        {
            if (ValuesSchema.At(schema, path) is not { } node)
            {
                problems.Add($"{path}: missing from the schema");
                continue;
            }

            var types = ValuesSchema.Types(node);
            var expected = JsonType(property);
            if (!types.Contains(expected))
            {
                problems.Add($"{path}: the code reads {property.PropertyType.Name}, the schema allows {string.Join("/", types)}");
            }

            if (types.Contains("null") != IsNullable(property))
            {
                problems.Add($"{path}: the code {(IsNullable(property) ? "accepts" : "refuses")} null, the schema {(types.Contains("null") ? "accepts" : "refuses")} it");
            }

            if (BoundSection.Range(property) is { OperandType: var operand } range && operand != typeof(TimeSpan))
            {
                CompareLimit(path, "minimum", range.Minimum, node["minimum"], problems);
                CompareLimit(path, "maximum", range.Maximum, node["maximum"], problems);
            }

            var enumType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (enumType.IsEnum)
            {
                var allowed = node["enum"]!.AsArray().Select(value => value?.GetValue<string>()).ToList();
                problems.AddRange(Enum.GetNames(enumType).Where(name => !allowed.Contains(name)).Select(name => $"{path}: the schema refuses {name}"));
                problems.AddRange(allowed.OfType<string>().Where(value => !Enum.TryParse(enumType, value, ignoreCase: true, out _)).Select(value => $"{path}: the code cannot read {value}"));
            }
        }

        Assert.True(problems.Count == 0, "values.schema.json does not describe the code's settings:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void ValuesYaml_SetsEveryKeyToTheCodesDefault()
    {
        var values = ChartFiles.DefaultValues();
        var problems = new List<string>();
        foreach (var section in BoundSection.All)
        {
            var defaults = Activator.CreateInstance(section.Options)!;
            CompareDefaults(defaults, Node(values, section.ValuesPath)?.AsObject(), section, section.ValuesPath, problems);
        }

        Assert.True(problems.Count == 0, "charts/lora-trainer/values.yaml differs from the defaults in the code; make them equal:\n" + string.Join("\n", problems));
    }

    private static void CompareKeys(JsonObject node, Type options, IReadOnlySet<string> setByChart, IEnumerable<string> childSections, string path, List<string> problems)
    {
        var schemaKeys = node["properties"]!.AsObject().Select(pair => pair.Key).ToHashSet();
        var codeKeys = BoundSection.Bindable(options).Select(p => p.Name).Where(name => !setByChart.Contains(name)).Concat(childSections).ToHashSet();
        problems.AddRange(codeKeys.Except(schemaKeys).Select(key => $"{path}.{key}: the code reads it; add it to values.yaml, values.schema.json and docs/configuration.md"));
        problems.AddRange(schemaKeys.Except(codeKeys).Select(key => $"{path}.{key}: no code reads it; remove it"));
        if (node["additionalProperties"]?.GetValue<bool>() != false)
        {
            problems.Add($"{path}: the schema must refuse unknown keys (additionalProperties: false)");
        }

        foreach (var nested in BoundSection.Bindable(options).Where(BoundSection.IsNested))
        {
            if (node["properties"]?[nested.Name] is JsonObject child)
            {
                CompareKeys(child, nested.PropertyType, new HashSet<string>(), [], $"{path}.{nested.Name}", problems);
            }
        }
    }

    private static void CompareDefaults(object defaults, JsonObject? values, BoundSection section, string path, List<string> problems)
    {
        foreach (var property in BoundSection.Bindable(defaults.GetType()).Where(p => !section.SetByChart.Contains(p.Name)))
        {
            var expected = property.GetValue(defaults);
            var actual = values?[property.Name];
            if (BoundSection.IsNested(property))
            {
                CompareDefaults(expected!, actual?.AsObject(), section with { SetByChart = new HashSet<string>() }, $"{path}.{property.Name}", problems);
            }
            else if (values is null || !values.ContainsKey(property.Name))
            {
                problems.Add($"{path}.{property.Name}: missing (the code's default is {Describe(expected)})");
            }
            else if (!SameValue(expected, actual))
            {
                problems.Add($"{path}.{property.Name}: values.yaml has {actual?.ToJsonString() ?? "null"}, the code's default is {Describe(expected)}");
            }
        }
    }

    private static bool SameValue(object? expected, JsonNode? actual) => expected switch
    {
        null => actual is null,
        TimeSpan span => actual?.GetValue<string>() is { } text && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var parsed) && parsed == span,
        Uri uri => actual?.GetValue<string>() is { } text && Uri.TryCreate(text, UriKind.Absolute, out var parsed) && parsed == uri,
        Enum value => string.Equals(actual?.GetValue<string>(), value.ToString(), StringComparison.OrdinalIgnoreCase),
        string text => actual?.GetValue<string>() == text,
        bool flag => actual?.GetValue<bool>() == flag,
        _ => actual is JsonValue number && double.TryParse(number.ToJsonString(), CultureInfo.InvariantCulture, out var value)
            && value == Convert.ToDouble(expected, CultureInfo.InvariantCulture),
    };

    private static string Describe(object? value) => value switch
    {
        null => "null",
        TimeSpan span => $"\"{span.ToString("c", CultureInfo.InvariantCulture)}\"",
        string text => $"\"{text}\"",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "null",
    };

    private static IEnumerable<(string Path, PropertyInfo Property)> Leaves()
    {
        foreach (var section in BoundSection.All)
        {
            foreach (var leaf in Leaves(section.Options, section.ValuesPath, section.SetByChart))
            {
                yield return leaf;
            }
        }
    }

    private static IEnumerable<(string Path, PropertyInfo Property)> Leaves(Type type, string path, IReadOnlySet<string> skip)
    {
        foreach (var property in BoundSection.Bindable(type).Where(p => !skip.Contains(p.Name)))
        {
            if (BoundSection.IsNested(property))
            {
                foreach (var leaf in Leaves(property.PropertyType, $"{path}.{property.Name}", new HashSet<string>()))
                {
                    yield return leaf;
                }
            }
            else
            {
                yield return ($"{path}.{property.Name}", property);
            }
        }
    }

    private static string JsonType(PropertyInfo property)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        return type switch
        {
            _ when type == typeof(int) || type == typeof(long) => "integer",
            _ when type == typeof(double) => "number",
            _ when type == typeof(bool) => "boolean",
            _ => "string",
        };
    }

    private static bool IsNullable(PropertyInfo property) =>
        Nullable.GetUnderlyingType(property.PropertyType) is not null
        || (!property.PropertyType.IsValueType && Nullability.Create(property).WriteState == NullabilityState.Nullable);

    private static void CompareLimit(string path, string keyword, object code, JsonNode? schema, List<string> problems)
    {
        var limit = Convert.ToDouble(code, CultureInfo.InvariantCulture);
        if (limit is >= long.MaxValue or >= int.MaxValue and < long.MaxValue && schema is null)
        {
            return;
        }

        if (schema is null || schema.GetValue<double>() != limit)
        {
            problems.Add($"{path}: the code's [Range] {keyword} is {code}, the schema's is {schema?.ToJsonString() ?? "missing"}");
        }
    }

    private static JsonNode? Node(JsonObject values, string path) =>
        path.Split('.').Aggregate<string, JsonNode?>(values, (node, segment) => node?[segment]);
}
