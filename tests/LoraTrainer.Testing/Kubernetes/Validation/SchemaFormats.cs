using System.Globalization;
using System.Text.RegularExpressions;

namespace LoraTrainer.Testing.Kubernetes.Validation;

/// <summary>The string <c>format</c>s kube-apiserver checks in custom resources, with the rules of kube-openapi's
/// strfmt registry: <c>date-time</c>, <c>date</c>, <c>uuid</c> and <c>byte</c>. Other formats (and formats of
/// non-strings, such as <c>int32</c>) are annotations only.</summary>
internal static partial class SchemaFormats
{
    /// <summary>Whether strings of this format are checked.</summary>
    public static bool IsChecked(string format) => format is "date-time" or "datetime" or "date" or "uuid" or "byte";

    /// <summary>Whether <paramref name="value"/> is valid in <paramref name="format"/>; true for formats not checked.</summary>
    public static bool IsValid(string format, string value) => format switch
    {
        "date-time" or "datetime" => IsDateTime(value),
        "date" => IsDate(value),
        "uuid" => Uuid().IsMatch(value),
        "byte" => value.Length % 4 == 0 && Convert.TryFromBase64String(value, new byte[value.Length], out _),
        _ => true,
    };

    /// <summary>The error kube-apiserver reports for a string that is not in its format (a type error, which stops CEL rules).</summary>
    public static FieldError Error(string field, string format, string value)
    {
        var shown = KubeJson.DescribeValue(value);
        return FieldError.TypeInvalid(field, shown, $"{field} in body must be of type {format}: {shown}");
    }

    /// <summary>RFC 3339 as strfmt reads it: a full date, <c>T</c>, a time with optional fraction, and <c>Z</c> or an offset (case-insensitive).</summary>
    private static bool IsDateTime(string value)
    {
        var parts = value.ToLowerInvariant().Split('t');
        if (value.Length < 4 || parts.Length < 2 || !IsDate(parts[0]))
        {
            return false;
        }

        var time = Time().Match(parts[1]);
        return time.Success &&
               string.CompareOrdinal(time.Groups[1].Value, "23") <= 0 &&
               string.CompareOrdinal(time.Groups[2].Value, "59") <= 0 &&
               string.CompareOrdinal(time.Groups[3].Value, "59") <= 0;
    }

    private static bool IsDate(string value) =>
        DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

    [GeneratedRegex(@"^([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$")]
    private static partial Regex Time();

    [GeneratedRegex("^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")]
    private static partial Regex Uuid();
}
