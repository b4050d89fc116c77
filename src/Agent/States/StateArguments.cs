using LoraTrainer.Agent.Training;
using LoraTrainer.Protocol;
using Tomlyn.Model;

namespace LoraTrainer.Agent.States;

/// <summary>The sd-scripts arguments that save and restore training state; the agent owns them, as it owns the paths.</summary>
internal static class StateArguments
{
    private static readonly string[] Names = ["save_state", "save_state_on_train_end", "save_last_n_epochs_state", "save_last_n_steps_state", "resume"];

    /// <summary>
    /// <paramref name="arguments"/> with <c>save_state</c> when the run saves state (sd-scripts then saves one at each
    /// epoch it saves a LoRA, which the agent does every epoch). Old states are not left to sd-scripts'
    /// <c>save_last_n_epochs_state</c>: it could delete a folder the agent is still packing; <see cref="StateUploads"/> prunes them.
    /// </summary>
    /// <exception cref="ArgumentsRejectedException">The config's own arguments set one of them.</exception>
    public static TrainerArguments With(TrainerArguments arguments, StatePlan? plan)
    {
        var given = Names.Where(arguments.Table.ContainsKey).ToList();
        if (given.Count > 0)
        {
            throw new ArgumentsRejectedException(
                $"training.args.{string.Join(", training.args.", given)} is set by the agent from the config's state plan; remove it from the config.");
        }

        return plan is null ? arguments : Set(arguments, ("save_state", true));
    }

    /// <summary><paramref name="arguments"/> with <c>resume</c>: sd-scripts loads the state and continues at the epoch after it, with the step count and LR schedule where they were.</summary>
    public static TrainerArguments Resume(TrainerArguments arguments, string stateFolder) => Set(arguments, ("resume", stateFolder));

    private static TrainerArguments Set(TrainerArguments arguments, params (string Name, object Value)[] values)
    {
        var table = new TomlTable();
        foreach (var (name, value) in arguments.Table)
        {
            table[name] = value;
        }

        foreach (var (name, value) in values)
        {
            table[name] = value;
        }

        return arguments with { Table = table };
    }
}
