using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cel;

namespace LoraTrainer.Testing.Kubernetes.Validation;

/// <summary>One compiled entry of <c>x-kubernetes-validations</c>: a CEL rule, how a failure is worded, and where it is reported.</summary>
/// <remarks>
/// A rule that mentions <c>oldSelf</c> is a transition rule: it runs only on an update, and only where the old object
/// has a value at the same place (through properties and map values; list items are not correlated).
/// <c>optionalOldSelf</c> is not supported, so such rules are skipped on create as well.
/// </remarks>
internal sealed partial class ValidationRule
{
    private readonly CelProgramDelegate _program;
    private readonly CelProgramDelegate? _messageExpression;

    private ValidationRule(string rule, string? message, CelProgramDelegate program, CelProgramDelegate? messageExpression, string? reason, IReadOnlyList<string> fieldPath)
    {
        Rule = rule;
        Message = message;
        _program = program;
        _messageExpression = messageExpression;
        Reason = reason;
        FieldPath = fieldPath;
        IsTransition = OldSelf().IsMatch(rule);
    }

    public string Rule { get; }

    public string? Message { get; }

    /// <summary>FieldValueInvalid (the default), FieldValueForbidden, FieldValueRequired or FieldValueDuplicate.</summary>
    public string? Reason { get; }

    /// <summary>The <c>fieldPath</c> below the schema node where a failure is reported, as property names.</summary>
    public IReadOnlyList<string> FieldPath { get; }

    public bool IsTransition { get; }

    /// <summary>Compiles one entry.</summary>
    /// <exception cref="CelRuleException">The rule or its messageExpression does not compile.</exception>
    public static ValidationRule Compile(JsonObject entry)
    {
        var rule = KubeJson.GetString(entry, "rule") ?? throw new CelRuleException("rule is required");
        var messageExpression = KubeJson.GetString(entry, "messageExpression") is { Length: > 0 } text ? KubernetesCel.Compile(text) : null;
        var fieldPath = KubeJson.GetString(entry, "fieldPath") is { Length: > 0 } path ? ParseFieldPath(path) : [];
        return new ValidationRule(rule, KubeJson.GetString(entry, "message"), KubernetesCel.Compile(rule), messageExpression, KubeJson.GetString(entry, "reason"), fieldPath);
    }

    /// <summary>Checks the rule on one value; null when it holds.</summary>
    /// <param name="self">The value at the rule's schema node, as CEL sees it.</param>
    /// <param name="oldSelf">The old value there, for a transition rule.</param>
    /// <param name="field">The value's field path (<c>spec.baseModel</c>).</param>
    /// <param name="type">The node's schema type, shown as the invalid value (<c>"object"</c>).</param>
    public FieldError? Check(object? self, object? oldSelf, string field, string type)
    {
        var (value, error) = KubernetesCel.Evaluate(_program, self, oldSelf, IsTransition);
        var shown = KubeJson.DescribeValue(type);
        if (error is not null)
        {
            return FieldError.Invalid(field, shown, $"{error} evaluating rule: {Describe()}");
        }

        if (value is true)
        {
            return null;
        }

        var at = FieldPath.Aggregate(field, (path, name) => path == SchemaNode.RootField ? name : $"{path}.{name}");
        var detail = value is bool ? MessageFor(self, oldSelf) : $"rule did not evaluate to a bool: {Describe()}";
        return Reason switch
        {
            "FieldValueForbidden" => FieldError.Forbidden(at, detail),
            "FieldValueRequired" => FieldError.Required(at) with { Detail = detail },
            "FieldValueDuplicate" => FieldError.Duplicate(at, shown),
            _ => FieldError.Invalid(at, shown, detail),
        };
    }

    /// <summary>The message, the messageExpression's result, or <c>failed rule: RULE</c>.</summary>
    private string MessageFor(object? self, object? oldSelf)
    {
        if (_messageExpression is not null && KubernetesCel.Evaluate(_messageExpression, self, oldSelf, IsTransition) is ({ } computed, null) &&
            computed is string { Length: > 0 } text && !text.Contains('\n', StringComparison.Ordinal))
        {
            return text;
        }

        return string.IsNullOrWhiteSpace(Message) ? $"failed rule: {Describe()}" : Message.Trim();
    }

    private string Describe() => string.IsNullOrWhiteSpace(Message) ? Rule.Trim() : Message.Trim();

    private static IReadOnlyList<string> ParseFieldPath(string path)
    {
        var names = FieldPathSegment().Matches(path).Select(m => m.Groups["dot"].Success ? m.Groups["dot"].Value : m.Groups["key"].Value).ToList();
        if (names.Count == 0 || string.Concat(FieldPathSegment().Matches(path).Select(m => m.Value)) != path)
        {
            throw new CelRuleException($"fieldPath \"{path}\" must be a path of field names such as .spec.name or ['name']");
        }

        return names;
    }

    [GeneratedRegex(@"\boldSelf\b")]
    private static partial Regex OldSelf();

    [GeneratedRegex(@"\.(?<dot>[A-Za-z_$][A-Za-z0-9_$-]*)|\['(?<key>[^']*)'\]")]
    private static partial Regex FieldPathSegment();
}
