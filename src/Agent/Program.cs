using LoraTrainer.Agent;

// lora-agent: runs one training attempt inside the GPU container, then exits.
// Exit codes: 0 uploaded, 1 the run failed (reported), 2 bad start-up settings, 3 the receiver was unreachable.
return await AgentHost.RunAsync(args);
