using LoraTrainer.Agent;
using LoraTrainer.Agent.Training;
using LoraTrainer.CommandLine;

// lora-agent: runs one training attempt inside the GPU container, then exits (exit codes: AgentProgram, ExitCodes).
// lora-agent replay <log> [--tfevents <dir>]: prints the events a captured sd-scripts transcript would produce.
if (args is ["replay", .. var replay])
{
    return await ReplayCommand.RunAsync(replay, Console.Out, Console.Error);
}

return await ProgramStart.RunAsync(AgentProgram.Info, args, () => AgentHost.RunAsync(args));
