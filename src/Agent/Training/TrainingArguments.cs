using System.Globalization;
using LoraTrainer.Protocol;
using LoraTrainer.Protocol.SdScripts;
using Tomlyn;
using Tomlyn.Model;

namespace LoraTrainer.Agent.Training;

/// <summary>The paths and names the agent decides, written into the arguments TOML whatever the config says.</summary>
/// <param name="ModelPath">The downloaded checkpoint.</param>
/// <param name="OutputDirectory">Where the trainer writes the LoRA files.</param>
/// <param name="OutputName">The base name of the LoRA files.</param>
/// <param name="LoggingDirectory">Where the trainer writes TensorBoard event files.</param>
/// <param name="DatasetConfig">The dataset TOML.</param>
/// <param name="ExtraFiles">Extra model files by the argument that takes them (Flux: clip_l, t5xxl, ae).</param>
internal sealed record AgentOwnedPaths(
    string ModelPath, string OutputDirectory, string OutputName, string LoggingDirectory, string DatasetConfig,
    IReadOnlyDictionary<string, string> ExtraFiles);

/// <summary>The checked trainer arguments.</summary>
/// <param name="Table">Argument name → TOML value.</param>
/// <param name="Epochs">The number of epochs the trainer will run.</param>
/// <param name="MixedPrecision">The mixed precision for the launcher (<c>no</c>, <c>fp16</c>, <c>bf16</c>).</param>
/// <param name="Validates">True when sd-scripts holds out a validation split and logs a validation loss per epoch.</param>
internal sealed record TrainerArguments(TomlTable Table, int Epochs, string MixedPrecision, bool Validates)
{
    /// <summary>The arguments TOML text for <c>--config_file</c>.</summary>
    public string ToToml() => TomlSerializer.Serialize(Table, AgentTomlContext.Default.TomlTable);
}

/// <summary>Builds the arguments TOML from the config and refuses what sd-scripts would misread or silently ignore.</summary>
internal static class TrainingArguments
{
    /// <summary>Checks <paramref name="plan"/> and adds the agent's own arguments.</summary>
    /// <exception cref="ArgumentsRejectedException">One sentence per problem, naming the argument.</exception>
    public static TrainerArguments Build(TrainingPlan plan, AgentOwnedPaths owned)
    {
        var known = SdScriptsArguments.For(plan.Script) ?? throw new ArgumentsRejectedException(
            $"training.script '{plan.Script}' is not a script the agent drives; use one of {string.Join(", ", SdScriptsArguments.Scripts)}.");

        var problems = new List<string>();
        var given = ByName(plan.Args);
        var unknown = given.Keys.Concat(owned.ExtraFiles.Keys).Where(n => !known.Contains(n)).Distinct().Order(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            problems.Add($"sd-scripts {SdScriptsArguments.Ref} ({Path.GetFileName(plan.Script)}) has no argument named {string.Join(", ", unknown)}; "
                + "it would silently ignore them, so fix the spelling or remove them.");
        }

        var table = new TomlTable();
        foreach (var (name, value) in given.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            if (!known.Contains(name))
            {
                continue;
            }

            if (SdScriptsRules.Forbidden.TryGetValue(name, out var why))
            {
                problems.Add($"training.args.{name} is not allowed: {why}.");
                continue;
            }

            try
            {
                if (TomlValues.From(value) is { } converted)
                {
                    table[name] = converted;
                }
            }
            catch (FormatException ex)
            {
                problems.Add($"training.args.{name} cannot be written to TOML: {ex.Message}.");
            }
        }

        foreach (var (name, value) in OwnedValues(owned))
        {
            if (table.TryGetValue(name, out var mine) && !SameValue(mine, value))
            {
                problems.Add($"training.args.{name} is set by the agent; remove it from the config.");
            }

            table[name] = value;
        }

        CheckValues(plan, problems);
        if (problems.Count > 0)
        {
            throw new ArgumentsRejectedException(string.Join(" ", problems));
        }

        return new TrainerArguments(table, plan.Args.MaxTrainEpochs!.Value, plan.Args.MixedPrecision ?? "no", plan.Args.ValidationSplit > 0);
    }

    /// <summary>
    /// Every argument by its sd-scripts name with its plain value, typed or not: the names live once, on
    /// <see cref="TrainingArgs"/>, and a typed double stays a TOML float (sd-scripts' schema refuses 0 for a float).
    /// </summary>
    private static Dictionary<string, object?> ByName(TrainingArgs args)
    {
        var byName = new Dictionary<string, object?>(args.Others, StringComparer.Ordinal);
        foreach (var property in ProtocolJson.Options.GetTypeInfo(typeof(TrainingArgs)).Properties.Where(p => !p.IsExtensionData))
        {
            if (property.Get!(args) is { } value)
            {
                byName[property.Name] = value;
            }
        }

        return byName;
    }

    private static IEnumerable<KeyValuePair<string, object>> OwnedValues(AgentOwnedPaths owned)
    {
        yield return new("pretrained_model_name_or_path", owned.ModelPath);
        yield return new("output_dir", owned.OutputDirectory);
        yield return new("output_name", owned.OutputName);
        yield return new("save_model_as", "safetensors");
        yield return new("save_every_n_epochs", 1L);
        yield return new("logging_dir", owned.LoggingDirectory);
        yield return new("log_with", "tensorboard");
        yield return new("dataset_config", owned.DatasetConfig);
        foreach (var (argument, path) in owned.ExtraFiles)
        {
            yield return new(argument, path);
        }
    }

    private static void CheckValues(TrainingPlan plan, List<string> problems)
    {
        if (plan.Args.MaxTrainEpochs is not > 0)
        {
            problems.Add("Set training.args.max_train_epochs to a positive number: epochs are what the best-epoch choice picks from.");
        }

        // sd-scripts skips a share outside [0, 1) with only a warning, and the epoch would be chosen by training loss.
        if (plan.Args.ValidationSplit is < 0 or >= 1)
        {
            problems.Add("training.args.validation_split must be a number from 0 up to (not including) 1: the share of images held out for validation.");
        }

        problems.AddRange(SdScriptsRules.Conflicts(plan.Script, plan.Args).Select(c => $"training.args.{c.Argument} {c.Problem}."));
    }

    private static bool SameValue(object given, object owned) => (given, owned) switch
    {
        (string a, string b) => string.Equals(Path.TrimEndingDirectorySeparator(a), Path.TrimEndingDirectorySeparator(b), StringComparison.Ordinal),
        (long a, long b) => a == b,
        _ => string.Equals(Convert.ToString(given, CultureInfo.InvariantCulture), Convert.ToString(owned, CultureInfo.InvariantCulture), StringComparison.Ordinal),
    };
}

/// <summary>The trainer arguments cannot be used as given; the message says which and why.</summary>
internal sealed class ArgumentsRejectedException(string message) : Exception(message);
