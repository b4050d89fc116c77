namespace LoraTrainer.Api;

/// <summary>Exactly one of the named properties must be set (rendered as a <c>oneOf</c> in the CRD).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class ExactlyOneOfAttribute(params string[] properties) : Attribute
{
    /// <summary>The JSON names of the mutually exclusive properties.</summary>
    public IReadOnlyList<string> Properties { get; } = properties;
}

/// <summary>The property's value is kept as arbitrary JSON (<c>x-kubernetes-preserve-unknown-fields</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PreserveUnknownFieldsAttribute : Attribute;

/// <summary>A CEL rule the API server enforces (<c>x-kubernetes-validations</c>), for rules a schema cannot express.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class ValidationRuleAttribute(string rule, string message) : Attribute
{
    /// <summary>The CEL expression; <c>self</c> is the object.</summary>
    public string Rule { get; } = rule;

    /// <summary>The message shown when the rule fails.</summary>
    public string Message { get; } = message;
}

/// <summary>
/// How many items a list holds (<c>minItems</c>/<c>maxItems</c> in the CRD). Lists take this rather than
/// <c>MinLength</c>/<c>MaxLength</c>, which count items by reflection; strings take <c>StringLength</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ItemCountAttribute(int minimum, int maximum) : Attribute
{
    /// <summary>The fewest items; 0 for no lower bound.</summary>
    public int Minimum { get; } = minimum;

    /// <summary>The most items.</summary>
    public int Maximum { get; } = maximum;
}
