using LoraTrainer.CommandLine;
using LoraTrainer.Dashboard;

return await ProgramStart.RunAsync(DashboardProgram.Info, args, async () =>
{
    var builder = WebApplication.CreateSlimBuilder(args);
    builder.Logging.AddConsoleLogs(builder.Configuration);
    DashboardProgram.Listen(builder);

    builder.Services.AddDashboard();
    var app = builder.Build();
    app.MapDashboard();

    // Settings and kubeconfig are checked before the host starts, so either is one line rather than a logged stack trace.
    DashboardProgram.ValidateAtStart(app.Services);
    await app.RunAsync();
    return Environment.ExitCode;
});

/// <summary>The dashboard's entry point; public so tests can host it.</summary>
public partial class Program;
