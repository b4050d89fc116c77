using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text;

namespace LoraTrainer.CommandLine;

/// <summary>What a program says about itself for <c>--help</c> and <c>--version</c>, and which settings it reads.</summary>
/// <param name="Name">The program's name as its messages begin: <c>loratrainer-operator</c>.</param>
/// <param name="Summary">What it does, in a sentence.</param>
public sealed record ProgramInfo(string Name, string Summary)
{
    /// <summary>How to run it, one or more lines.</summary>
    public string Usage { get; init; } = "";

    /// <summary>The settings a user sets most, each with what it is for; listed first.</summary>
    public IReadOnlyList<Setting> Settings { get; init; } = [];

    /// <summary>The options sections it binds: every key is listed with its default, and failures name its key.</summary>
    public IReadOnlyList<OptionsSection> Options { get; init; } = [];

    /// <summary>Closing lines: exit codes, where the settings are documented.</summary>
    public string? Notes { get; init; }

    /// <summary>The version of the entry assembly, as built (with the source revision when the build recorded it).</summary>
    public static string Version =>
        Assembly.GetEntryAssembly()?.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? Assembly.GetEntryAssembly()?.GetName().Version?.ToString() ?? "unknown";

    /// <summary>The <c>--help</c> text.</summary>
    public string Help()
    {
        var text = new StringBuilder().Append(Name).Append(' ').AppendLine(Version).AppendLine(Summary);
        if (Usage.Length > 0)
        {
            text.AppendLine().AppendLine(Usage);
        }

        var described = Settings.Select(s => s.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var all = Options.SelectMany(o => o.Settings).Where(s => !described.Contains(s.Key)).ToList();
        if (Settings.Count + all.Count > 0)
        {
            text.AppendLine().AppendLine("Settings, as environment variables (or --Key=value arguments with ':' between the levels):");
            var width = Settings.Concat(all).Max(s => s.EnvironmentVariable.Length) + 2;
            foreach (var setting in Settings.Concat(all))
            {
                text.Append("  ").Append(setting.EnvironmentVariable.PadRight(width)).AppendLine(Setting.WithEnvironmentVariables(setting.Description));
            }
        }

        if (Notes is not null)
        {
            text.AppendLine().AppendLine(Notes);
        }

        return text.ToString().TrimEnd();
    }
}

/// <summary>An options class and the configuration section it is bound to.</summary>
/// <param name="Section">The section, e.g. <c>Receiver</c> or <c>Operator:LeaderElection</c>.</param>
/// <param name="Type">The options class.</param>
/// <param name="Settings">Its keys with their defaults.</param>
public sealed record OptionsSection(string Section, Type Type, IReadOnlyList<Setting> Settings)
{
    /// <summary>The section <paramref name="section"/> bound to <typeparamref name="T"/>.</summary>
    public static OptionsSection Of<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] T>(string section) where T : new() => new(section, typeof(T), Setting.FromOptions<T>(section));

    /// <summary>This section without the keys of <paramref name="properties"/>: those a program reads under another name.</summary>
    public OptionsSection Without(params string[] properties) =>
        this with { Settings = [.. Settings.Where(s => !properties.Any(p => s.Key == $"{Section}:{p}"))] };
}
