namespace LoraTrainer.Testing.Kubernetes.Validation;

/// <summary>What is wrong with one field, rendered like apimachinery's <c>field.Error</c>.</summary>
/// <param name="Kind">Which family of error this is.</param>
/// <param name="Field">The field path, e.g. <c>spec.gpu.gpuNames[0]</c>.</param>
/// <param name="BadValue">The offending value already rendered (strings quoted), or null when the error shows none.</param>
/// <param name="Detail">The explanation after the value.</param>
internal sealed record FieldError(FieldErrorKind Kind, string Field, string? BadValue = null, string? Detail = null)
{
    public static FieldError Required(string field) => new(FieldErrorKind.Required, field);

    public static FieldError Invalid(string field, string badValue, string detail) => new(FieldErrorKind.Invalid, field, badValue, detail);

    /// <summary>A value of the wrong type or format (<c>field.TypeInvalid</c>): worded as Invalid, but it stops CEL rules from running.</summary>
    public static FieldError TypeInvalid(string field, string badValue, string detail) => new(FieldErrorKind.TypeInvalid, field, badValue, detail);

    public static FieldError NotSupported(string field, string badValue, IEnumerable<string> supported) =>
        new(FieldErrorKind.NotSupported, field, badValue, "supported values: " + string.Join(", ", supported));

    public static FieldError Forbidden(string field, string detail) => new(FieldErrorKind.Forbidden, field, null, detail);

    public static FieldError TooLong(string field, long max) =>
        new(FieldErrorKind.TooLong, field, null, $"may not be more than {max} bytes");

    public static FieldError TooMany(string field, int actual, long max) =>
        new(FieldErrorKind.TooMany, field, actual.ToString(System.Globalization.CultureInfo.InvariantCulture), $"must have at most {max} items");

    public static FieldError Duplicate(string field, string badValue) => new(FieldErrorKind.Duplicate, field, badValue);

    /// <summary>The part after <c>field: </c>, also used as the Status cause message.</summary>
    public string Body
    {
        get
        {
            var head = Kind switch
            {
                FieldErrorKind.Required => "Required value",
                FieldErrorKind.NotSupported => "Unsupported value",
                FieldErrorKind.Forbidden => "Forbidden",
                FieldErrorKind.TooLong => "Too long",
                FieldErrorKind.TooMany => "Too many",
                FieldErrorKind.Duplicate => "Duplicate value",
                _ => "Invalid value",
            };
            var withValue = BadValue is null ? head : $"{head}: {BadValue}";
            return string.IsNullOrEmpty(Detail) ? withValue : $"{withValue}: {Detail}";
        }
    }

    /// <summary>The <c>causes[].reason</c> the apiserver reports for this kind of error.</summary>
    public string CauseReason => Kind switch
    {
        FieldErrorKind.Required => "FieldValueRequired",
        FieldErrorKind.NotSupported => "FieldValueNotSupported",
        FieldErrorKind.Forbidden => "FieldValueForbidden",
        FieldErrorKind.TooLong => "FieldValueTooLong",
        FieldErrorKind.TooMany => "FieldValueTooMany",
        FieldErrorKind.Duplicate => "FieldValueDuplicate",
        FieldErrorKind.TypeInvalid => "FieldValueTypeInvalid",
        _ => "FieldValueInvalid",
    };

    /// <summary>Whether kube-apiserver skips a CRD's CEL rules because of this error: the object does not have the
    /// shape the rules were written for (a type, enum, required, length or count violation).</summary>
    public bool BlocksRules => Kind is FieldErrorKind.TypeInvalid or FieldErrorKind.NotSupported or FieldErrorKind.Required
        or FieldErrorKind.TooLong or FieldErrorKind.TooMany;

    public override string ToString() => $"{Field}: {Body}";
}

/// <summary>The families of field errors apimachinery distinguishes.</summary>
internal enum FieldErrorKind
{
    Required,
    Invalid,
    NotSupported,
    Forbidden,
    TooLong,
    TooMany,
    Duplicate,
    TypeInvalid,
}
