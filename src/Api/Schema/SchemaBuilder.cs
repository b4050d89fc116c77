using System.Collections;
using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LoraTrainer.Api.Schema;

/// <summary>Builds an OpenAPI v3 structural schema from the C# types, the way controller-gen does from Go types.</summary>
[RequiresUnreferencedCode(ByReflection)]
[RequiresDynamicCode(ByReflection)]
internal sealed class SchemaBuilder(XmlDocs docs, bool defaults)
{
    /// <summary>Why building the schema needs reflection over the full types.</summary>
    public const string ByReflection = "The CRD schema is built from the API types' properties and attributes by reflection.";

    private static readonly NullabilityInfoContext Nullability = new();

    /// <summary>The schema of an object type: its properties, required fields, defaults (when enabled) and one-of rules.</summary>
    public Dictionary<string, object> ForObject(Type type)
    {
        var schema = new Dictionary<string, object> { ["type"] = "object" };
        var instance = defaults && type.GetConstructor(Type.EmptyTypes) is not null ? Activator.CreateInstance(type) : null;
        var properties = new Dictionary<string, object>();
        var required = new List<string>();

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            var name = JsonName(property);
            var propertySchema = ForProperty(property, instance);
            properties[name] = propertySchema;
            if (property.GetCustomAttribute<RequiredAttribute>() is not null)
            {
                required.Add(name);
            }
        }

        schema["properties"] = properties;
        if (required.Count > 0)
        {
            schema["required"] = required;
        }

        var rules = new List<object>();
        foreach (var exclusive in type.GetCustomAttributes<ExactlyOneOfAttribute>())
        {
            schema["oneOf"] = exclusive.Properties.Select(p => new Dictionary<string, object> { ["required"] = new List<string> { p } }).ToList();
            rules.Add(Rule(
                string.Join(" + ", exclusive.Properties.Select(p => $"(has(self.{p}) ? 1 : 0)")) + " == 1",
                $"exactly one of {string.Join(" or ", exclusive.Properties)} must be set"));
        }

        rules.AddRange(type.GetCustomAttributes<ValidationRuleAttribute>().Select(r => Rule(r.Rule, r.Message)));
        if (rules.Count > 0)
        {
            schema["x-kubernetes-validations"] = rules;
        }

        return schema;
    }

    private static Dictionary<string, object> Rule(string rule, string message) =>
        new() { ["rule"] = rule, ["message"] = message };

    private Dictionary<string, object> ForProperty(PropertyInfo property, object? instance)
    {
        var schema = ForType(property.PropertyType, property);
        if (docs.Of(property) is { } description)
        {
            schema = Prepend("description", description, schema);
        }

        ApplyValidation(property, schema);
        if (instance is not null && DefaultOf(property, instance) is { } value)
        {
            schema["default"] = value;
        }

        return schema;
    }

    private Dictionary<string, object> ForType(Type type, PropertyInfo? property)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (property?.GetCustomAttribute<PreserveUnknownFieldsAttribute>() is not null)
        {
            return new() { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true };
        }

        if (underlying.IsEnum)
        {
            return new() { ["type"] = "string", ["enum"] = EnumNames(underlying) };
        }

        return underlying switch
        {
            _ when underlying == typeof(string) => new() { ["type"] = "string" },
            _ when underlying == typeof(bool) => new() { ["type"] = "boolean" },
            _ when underlying == typeof(int) => new() { ["type"] = "integer", ["format"] = "int32" },
            _ when underlying == typeof(long) => new() { ["type"] = "integer", ["format"] = "int64" },
            _ when underlying == typeof(double) => new() { ["type"] = "number" },
            _ when underlying == typeof(DateTimeOffset) => new() { ["type"] = "string", ["format"] = "date-time" },
            _ when ElementType(underlying) is { } element => new() { ["type"] = "array", ["items"] = ForType(element, null) },
            _ => ForObject(underlying),
        };
    }

    private static void ApplyValidation(PropertyInfo property, Dictionary<string, object> schema)
    {
        foreach (var attribute in property.GetCustomAttributes())
        {
            switch (attribute)
            {
                case RangeAttribute range:
                    AddBound(schema, "minimum", range.Minimum);
                    AddBound(schema, "maximum", range.Maximum);
                    break;
                case RegularExpressionAttribute regex:
                    schema["pattern"] = regex.Pattern;
                    break;
                case StringLengthAttribute length:
                    schema["maxLength"] = length.MaximumLength;
                    if (length.MinimumLength > 0)
                    {
                        schema["minLength"] = length.MinimumLength;
                    }

                    break;
                case ItemCountAttribute count:
                    if (count.Minimum > 0)
                    {
                        schema["minItems"] = count.Minimum;
                    }

                    schema["maxItems"] = count.Maximum;
                    break;
            }
        }
    }

    private static void AddBound(Dictionary<string, object> schema, string key, object bound)
    {
        var value = Convert.ToDouble(bound, System.Globalization.CultureInfo.InvariantCulture);
        if (Math.Abs(value) >= int.MaxValue)
        {
            return;
        }

        schema[key] = (string)schema["type"] == "integer" ? (object)(long)value : value;
    }

    private static object? DefaultOf(PropertyInfo property, object instance)
    {
        if (property.GetCustomAttribute<RequiredAttribute>() is not null || Nullable.GetUnderlyingType(property.PropertyType) is not null)
        {
            return null;
        }

        if (!property.PropertyType.IsValueType && Nullability.Create(property).WriteState == NullabilityState.Nullable)
        {
            return null;
        }

        return property.GetValue(instance) switch
        {
            null => null,
            string s when s.Length == 0 => null,
            string s => s,
            Enum e => EnumNames(e.GetType())[Array.IndexOf(Enum.GetValues(e.GetType()), e)],
            bool or int or long or double => property.GetValue(instance),
            _ => null,
        };
    }

    private static List<string> EnumNames(Type enumType) =>
        enumType.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? f.Name)
            .ToList();

    private static Type? ElementType(Type type)
    {
        if (type == typeof(string) || !typeof(IEnumerable).IsAssignableFrom(type) || IsDictionary(type))
        {
            return null;
        }

        return type.IsArray ? type.GetElementType() : type.GetGenericArguments().FirstOrDefault();
    }

    private static bool IsDictionary(Type type) =>
        type.IsGenericType && type.GetInterfaces().Append(type).Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));

    private static string JsonName(PropertyInfo property) =>
        property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name);

    private static Dictionary<string, object> Prepend(string key, object value, Dictionary<string, object> rest)
    {
        var result = new Dictionary<string, object> { [key] = value };
        foreach (var (k, v) in rest)
        {
            result[k] = v;
        }

        return result;
    }
}
