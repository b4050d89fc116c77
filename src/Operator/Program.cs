using LoraTrainer.Cluster;
using LoraTrainer.CommandLine;
using LoraTrainer.Operator.Hosting;
using Microsoft.Extensions.Options;

return await ProgramStart.RunAsync(OperatorProgram.Info, args, async () =>
{
    var builder = WebApplication.CreateSlimBuilder(args);
    builder.Logging.AddConsoleLogs(builder.Configuration);
    if (ListenAddress.Default(builder.Configuration, OperatorProgram.DefaultPort) is { } url)
    {
        builder.WebHost.UseUrls(url);
    }

    builder.Services.AddOperator(builder.Configuration, () => KubernetesConnection.LoadConfiguration());
    var app = builder.Build();
    app.MapOperatorEndpoints();

    // Settings first (no network needed), then the cluster: either is one line and exit code 2 when wrong.
    app.Services.GetService<IStartupValidator>()?.Validate();
    if (await KubernetesConnection.CheckAsync(() => KubernetesConnection.LoadConfiguration(), CancellationToken.None) is { } problem)
    {
        throw new StartupFailure(problem);
    }

    await app.RunAsync();
    return Environment.ExitCode;
});
