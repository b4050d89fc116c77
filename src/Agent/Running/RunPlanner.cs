using System.Text.RegularExpressions;
using LoraTrainer.Agent.Configuration;
using LoraTrainer.Agent.States;
using LoraTrainer.Agent.Training;
using LoraTrainer.Agent.Training.Samples;
using LoraTrainer.Protocol;

namespace LoraTrainer.Agent.Running;

/// <summary>Everything decided from the config before any byte is downloaded.</summary>
/// <param name="Arguments">The checked trainer arguments.</param>
/// <param name="Training">The trainer command and names.</param>
internal sealed record RunPlan(TrainerArguments Arguments, TrainingSetup Training);

/// <summary>
/// Checks the config and plans the run up front, so that a misspelt argument fails in seconds rather than after a
/// multi-gigabyte model download.
/// </summary>
internal static partial class RunPlanner
{
    /// <summary>The plan; throws <see cref="StageFailure"/> (stage config) naming every problem.</summary>
    public static RunPlan Plan(AgentConfig config, WorkLayout work, AgentOptions options)
    {
        var problems = new List<string>();
        if (config.Protocol != ProtocolVersion.Current)
        {
            problems.Add($"The config speaks protocol '{config.Protocol}'; this agent speaks {ProtocolVersion.Current}.");
        }

        RequireUrl(config.Dataset.Url, "dataset.url", problems);
        RequireUrl(config.Model.Url, "model.url", problems);
        RequireUrl(config.Outputs.Best.Url, "outputs.best.url", problems);
        if (string.IsNullOrWhiteSpace(Path.GetFileName(config.Model.FileName)))
        {
            problems.Add("model.fileName is empty.");
        }

        foreach (var file in config.Model.ExtraFiles)
        {
            RequireUrl(file.Url, $"model.extraFiles[{file.Argument}].url", problems);
            if (string.IsNullOrWhiteSpace(file.Argument) || string.IsNullOrWhiteSpace(Path.GetFileName(file.FileName)))
            {
                problems.Add("Every model.extraFiles entry needs an argument and a fileName.");
            }
        }

        if (problems.Count > 0)
        {
            throw new StageFailure(Stages.Config, string.Join(" ", problems));
        }

        var outputName = OutputName(config.Run.Name);
        var owned = new AgentOwnedPaths(
            work.ModelFile(config.Model.FileName), work.OutputDirectory, outputName, work.LoggingDirectory, work.DatasetToml,
            config.Model.ExtraFiles.ToDictionary(f => f.Argument, f => work.ModelFile(f.FileName), StringComparer.Ordinal));
        try
        {
            var arguments = StateArguments.With(SampleArguments.With(TrainingArguments.Build(config.Training, owned), config.Samples, work.SamplePrompts), config.State);
            var values = new Dictionary<string, string>(TrainerCommand.GpuValues(config.Training.Gpus), StringComparer.Ordinal)
            {
                ["sdScripts"] = options.SdScriptsDirectory,
                ["script"] = Path.GetFileName(config.Training.Script),
                ["scriptPath"] = Path.Combine(options.SdScriptsDirectory, Path.GetFileName(config.Training.Script)),
                ["configFile"] = work.ArgumentsToml,
                ["datasetConfig"] = work.DatasetToml,
                ["mixedPrecision"] = arguments.MixedPrecision,
                ["workDir"] = work.Root,
            };
            var argv = TrainerCommand.Expand(options.TrainerCommand ?? TrainerCommand.DefaultTemplate, values);
            return new RunPlan(arguments, new TrainingSetup(argv, outputName, arguments.Epochs, arguments.Validates, config.Outputs.Epochs));
        }
        catch (Exception ex) when (ex is ArgumentsRejectedException or FormatException)
        {
            throw new StageFailure(Stages.Config, ex.Message, ex);
        }
    }

    /// <summary>The LoRA base name: the run's name reduced to letters, digits, '-', '_' and '.', or <c>lora</c>.</summary>
    public static string OutputName(string runName)
    {
        var name = Unsafe().Replace(runName, "-").Trim('-', '.');
        return name.Length == 0 ? "lora" : name;
    }

    private static void RequireUrl(string url, string field, List<string> problems)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            problems.Add($"{field} is not an absolute http(s) URL.");
        }
    }

    [GeneratedRegex(@"[^A-Za-z0-9._-]+")]
    private static partial Regex Unsafe();
}
