using LoraTrainer.Protocol;
using Tomlyn.Model;

namespace LoraTrainer.Agent.Training.Samples;

/// <summary>The sd-scripts arguments that make it render the run's samples; the agent owns them, as it owns the paths.</summary>
internal static class SampleArguments
{
    private static readonly string[] Names = ["sample_prompts", "sample_every_n_epochs", "sample_every_n_steps", "sample_at_first", "sample_sampler"];

    /// <summary>
    /// <paramref name="arguments"/> with the sample arguments for <paramref name="plan"/> (none without one). The config's
    /// own <c>training.args</c> may not set them: which epochs are sampled must match the upload targets.
    /// </summary>
    /// <exception cref="ArgumentsRejectedException">The config's arguments set a sample argument, or a prompt cannot be written.</exception>
    public static TrainerArguments With(TrainerArguments arguments, SamplePlan? plan, string promptFile)
    {
        var given = Names.Where(arguments.Table.ContainsKey).ToList();
        if (given.Count > 0)
        {
            throw new ArgumentsRejectedException(
                $"training.args.{string.Join(", training.args.", given)} is set by the agent from the config's samples; remove it from the config.");
        }

        if (plan is null || plan.Prompts.Count == 0)
        {
            return arguments;
        }

        // Checked here, before any download, though the file is written once the work folder is ready.
        _ = SamplePromptFile.Text(plan.Prompts);

        var table = new TomlTable();
        foreach (var (name, value) in arguments.Table)
        {
            table[name] = value;
        }

        table["sample_prompts"] = promptFile;
        table["sample_every_n_epochs"] = (long)Math.Max(1, plan.EveryNEpochs);
        table["sample_sampler"] = plan.Sampler;
        if (plan.AtFirst)
        {
            table["sample_at_first"] = true;
        }

        return arguments with { Table = table };
    }
}
