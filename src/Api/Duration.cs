using System.Globalization;
using System.Text.RegularExpressions;

namespace LoraTrainer.Api;

/// <summary>Go-style durations (<c>90s</c>, <c>20m</c>, <c>1h30m</c>) as Kubernetes users write them.</summary>
public static partial class Duration
{
    /// <summary>The pattern the CRD enforces.</summary>
    public const string Pattern = @"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$";

    /// <summary>Parses a duration; throws <see cref="FormatException"/> naming the value when it is not one.</summary>
    public static TimeSpan Parse(string value)
    {
        if (!TryParse(value, out var result))
        {
            throw new FormatException($"'{value}' is not a duration; write it like 90s, 20m or 1h30m");
        }

        return result;
    }

    /// <summary>Parses a duration without throwing.</summary>
    public static bool TryParse(string? value, out TimeSpan result)
    {
        result = TimeSpan.Zero;
        if (string.IsNullOrEmpty(value) || !WholePattern().IsMatch(value))
        {
            return false;
        }

        foreach (Match part in PartPattern().Matches(value))
        {
            var amount = double.Parse(part.Groups[1].Value, CultureInfo.InvariantCulture);
            result += part.Groups[2].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(amount),
                "s" => TimeSpan.FromSeconds(amount),
                "m" => TimeSpan.FromMinutes(amount),
                _ => TimeSpan.FromHours(amount),
            };
        }

        return true;
    }

    /// <summary>Formats a duration the way it is parsed, e.g. <c>1h30m</c>.</summary>
    public static string Format(TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            return "0s";
        }

        var text = "";
        if (value.TotalHours >= 1) { text += $"{(int)value.TotalHours}h"; }
        if (value.Minutes > 0) { text += $"{value.Minutes}m"; }
        if (value.Seconds > 0 || text.Length == 0) { text += $"{value.Seconds}s"; }
        return text;
    }

    [GeneratedRegex(Pattern)]
    private static partial Regex WholePattern();

    [GeneratedRegex("([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h)")]
    private static partial Regex PartPattern();
}
