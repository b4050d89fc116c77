using k8s;
using LoraTrainer.Cluster;
using LoraTrainer.CommandLine;
using LoraTrainer.Webhook;
using Microsoft.Extensions.Options;

return await ProgramStart.RunAsync(ReceiverProgram.Info, args, async () =>
{
    var app = ReceiverApplication.Create(args);

    // Settings and kubeconfig are checked before the host starts, so either is one line rather than a logged stack trace.
    app.Services.GetService<IStartupValidator>()?.Validate();
    try
    {
        _ = app.Services.GetRequiredService<IKubernetes>();
    }
    catch (Exception ex) when (KubernetesConnection.ConfigurationProblem(ex) is { } problem)
    {
        throw new StartupFailure(problem);
    }

    await app.RunAsync();
    return Environment.ExitCode;
});

/// <summary>The receiver's entry point; public so tests can host it.</summary>
public partial class Program;
