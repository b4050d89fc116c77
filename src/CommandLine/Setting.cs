using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;

namespace LoraTrainer.CommandLine;

/// <summary>One setting a program reads, as <c>--help</c> lists it.</summary>
/// <param name="Key">
/// The configuration key, levels separated by <c>:</c> (<c>Operator:ReceiverUrl</c>), or an environment variable read
/// as it is (<c>KUBECONFIG</c>).
/// </param>
/// <param name="Description">What it is for and its default.</param>
public sealed partial record Setting(string Key, string Description)
{
    /// <summary>The environment variable that sets it: the key with <c>__</c> between the levels, as .NET reads it.</summary>
    public string EnvironmentVariable => ToEnvironmentVariable(Key);

    /// <summary><paramref name="key"/> (<c>Vast:Pacing:Create</c>) as an environment variable (<c>Vast__Pacing__Create</c>).</summary>
    public static string ToEnvironmentVariable(string key) => key.Replace(":", "__", StringComparison.Ordinal);

    /// <summary><paramref name="text"/> with every configuration key in it written as its environment variable.</summary>
    public static string WithEnvironmentVariables(string text) => ConfigurationKey().Replace(text, key => ToEnvironmentVariable(key.Value));

    /// <summary>A configuration key as messages write it: <c>Vast:Pacing:Create</c> (not a URL, not a time of day).</summary>
    [GeneratedRegex("(?<![\\w:/])[A-Z][A-Za-z0-9]*(?::[A-Z][A-Za-z0-9]*)+(?![\\w:])")]
    internal static partial Regex ConfigurationKey();

    /// <summary>
    /// Every public settable property of the options class <typeparamref name="T"/> bound at <paramref name="section"/>,
    /// nested classes included, each described by its default (that of a new <typeparamref name="T"/>).
    /// </summary>
    public static IReadOnlyList<Setting> FromOptions<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] T>(string section)
        where T : new() => FromObject(section, typeof(T), new T());

    // A nested options class is reached through a property, which the trimmer cannot follow; the configuration
    // binding generator writes every property of a bound class in code, so their metadata is kept.
    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = "Nested options classes are bound by the configuration binding generator, which keeps their public properties.")]
    private static List<Setting> FromObject(string section, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type type, object defaults)
    {
        var settings = new List<Setting>();
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            var key = $"{section}:{property.Name}";
            var value = property.GetValue(defaults);
            if (value is not null && IsNested(property.PropertyType))
            {
                settings.AddRange(FromObject(key, value.GetType(), value));
                continue;
            }

            settings.Add(new Setting(key, value is null or "" ? "(not set)" : $"default: {Format(value)}"));
        }

        return settings;
    }

    private static bool IsNested(Type type) =>
        type.IsClass && type != typeof(string) && type != typeof(Uri) && !typeof(System.Collections.IEnumerable).IsAssignableFrom(type);

    private static string Format(object value) => value switch
    {
        bool b => b ? "true" : "false",
        System.Collections.IEnumerable list and not string => $"[{string.Join(", ", list.Cast<object>())}]",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
