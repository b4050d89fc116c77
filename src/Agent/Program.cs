using LoraTrainer.Agent;
using LoraTrainer.Agent.Training;

// lora-agent: runs one training attempt inside the GPU container, then exits.
// Exit codes: 0 uploaded, 1 the run failed (reported), 2 bad start-up settings, 3 the receiver was unreachable,
// 4 the self-destruct watchdog ended the run and destroyed the instance.
// lora-agent replay <log> [--tfevents <dir>]: prints the events a captured sd-scripts transcript would produce.
if (args is ["replay", .. var replay])
{
    return await ReplayCommand.RunAsync(replay, Console.Out, Console.Error);
}

return await AgentHost.RunAsync(args);
