using System.Reflection;
using System.Text.RegularExpressions;

namespace LoraTrainer.Protocol.SdScripts;

/// <summary>
/// The argument names each supported training script of the pinned sd-scripts release accepts, shipped as
/// resources (<c>SdScripts/Arguments/&lt;script&gt;.txt</c>, regenerated from a checkout by
/// <c>tools/sd-scripts-arguments.py</c>). sd-scripts silently ignores an unknown name in its <c>--config_file</c>, so
/// a misspelt argument would train with a default: the agent checks every name against these lists, and the operator
/// checks a run's <c>extraArgs</c> against its family's list before renting.
/// </summary>
public static partial class SdScriptsArguments
{
    private const string ResourcePrefix = "sd-scripts-args/";
    private static readonly Lazy<IReadOnlyDictionary<string, IReadOnlySet<string>>> Lists = new(Load);
    private static readonly Lazy<string> PinnedRef = new(ReadRef);

    /// <summary>The sd-scripts release the lists were taken from, e.g. <c>v0.10.1</c>.</summary>
    public static string Ref => PinnedRef.Value;

    /// <summary>The scripts there is a list for, e.g. <c>sdxl_train_network.py</c>, in ordinal order.</summary>
    public static IEnumerable<string> Scripts => Lists.Value.Keys.Order(StringComparer.Ordinal);

    /// <summary>The names <paramref name="script"/> accepts, or null for a script there is no list for.</summary>
    public static IReadOnlySet<string>? For(string script)
    {
        ArgumentNullException.ThrowIfNull(script);
        return Lists.Value.TryGetValue(Path.GetFileName(script), out var names) ? names : null;
    }

    private static Dictionary<string, IReadOnlySet<string>> Load()
    {
        var assembly = typeof(SdScriptsArguments).Assembly;
        var lists = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            var script = Path.GetFileNameWithoutExtension(resource[ResourcePrefix.Length..]) + ".py";
            lists[script] = ReadLines(assembly, resource).Where(l => !l.StartsWith('#')).ToHashSet(StringComparer.Ordinal);
        }

        return lists;
    }

    private static string ReadRef()
    {
        var assembly = typeof(SdScriptsArguments).Assembly;
        var first = assembly.GetManifestResourceNames().First(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal));
        var header = ReadLines(assembly, first).FirstOrDefault(l => l.StartsWith('#')) ?? "";
        var match = RefPattern().Match(header);
        return match.Success ? match.Value : "unknown";
    }

    private static IEnumerable<string> ReadLines(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    [GeneratedRegex(@"v\d+\.\d+\.\d+")]
    private static partial Regex RefPattern();
}
