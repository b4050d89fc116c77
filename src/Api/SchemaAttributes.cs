namespace LoraTrainer.Api;

/// <summary>Exactly one of the named properties must be set (rendered as a <c>oneOf</c> in the CRD).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class ExactlyOneOfAttribute(params string[] properties) : Attribute
{
    /// <summary>The JSON names of the mutually exclusive properties.</summary>
    public IReadOnlyList<string> Properties { get; } = properties;
}

/// <summary>At most one of the named properties may be set.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class AtMostOneOfAttribute(params string[] properties) : Attribute
{
    /// <summary>The JSON names of the mutually exclusive properties.</summary>
    public IReadOnlyList<string> Properties { get; } = properties;
}

/// <summary>A numeric bound that excludes the bound itself (<c>exclusiveMinimum</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ExclusiveMinimumAttribute(double minimum) : Attribute
{
    /// <summary>The value the property must be strictly greater than.</summary>
    public double Minimum { get; } = minimum;
}

/// <summary>The property's value is kept as arbitrary JSON (<c>x-kubernetes-preserve-unknown-fields</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PreserveUnknownFieldsAttribute : Attribute;

/// <summary>The property is written by the operator only and never appears in the spec schema's defaults.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class NoSchemaDefaultAttribute : Attribute;
