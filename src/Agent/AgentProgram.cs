using LoraTrainer.Agent.Configuration;
using LoraTrainer.Agent.Training;
using LoraTrainer.Agent.Watchdog;
using LoraTrainer.CommandLine;
using LoraTrainer.Protocol;

namespace LoraTrainer.Agent;

/// <summary>What <c>lora-agent --help</c> says.</summary>
internal static class AgentProgram
{
    public static ProgramInfo Info { get; } = new("lora-agent",
        "The LoraTrainer GPU agent: fetches its run's config from the receiver, downloads the images and the model, drives "
        + "kohya-ss sd-scripts, reports progress, uploads the best epoch, then exits. The operator starts it on the rented GPU.")
    {
        Usage = $"usage: lora-agent [--Key=value ...]\n{ReplayCommand.Usage}   (prints the events a captured sd-scripts transcript would produce)",
        Settings =
        [
            new(AgentEnvironment.RunUrl, "the run's URL on the receiver (required; the operator sets it)"),
            new(AgentEnvironment.RunToken, "the run's signing token (required; the operator sets it)"),
            new(VastSelfDestruct.ContainerIdVariable, "the Vast instance id, which Vast sets; lets the watchdog destroy the instance"),
            new(VastSelfDestruct.ContainerApiKeyVariable, "the instance's own Vast API key, which Vast sets"),
        ],
        Options =
        [
            OptionsSection.Of<AgentOptions>(AgentOptions.Section)
                .Without(nameof(AgentOptions.RunUrl), nameof(AgentOptions.RunToken), nameof(AgentOptions.ContainerId), nameof(AgentOptions.ContainerApiKey)),
        ],
        Notes = "Relative paths are read from the current directory.\n"
            + "Exit codes: 0 uploaded, 1 the run failed (reported), 2 a setting is missing or wrong, 3 the receiver was unreachable, "
            + "4 the watchdog ended the run and destroyed the instance.",
    };
}
