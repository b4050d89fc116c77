using LoraTrainer.CommandLine;

namespace LoraTrainer.Webhook;

/// <summary>The receiver's web host, built one way for the program and for every test that hosts it.</summary>
public static class ReceiverApplication
{
    /// <summary>
    /// Builds the receiver: console logs, the default listen address, its services, the agent API and the operations
    /// endpoints. <paramref name="configure"/> runs before the receiver's services are added, so what it registers
    /// (a Kubernetes client, a clock, a metrics registry) replaces the default, and its settings and listen address
    /// override the program's.
    /// </summary>
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Logging.AddConsoleLogs(builder.Configuration);
        if (ListenAddress.Default(builder.Configuration, ReceiverProgram.DefaultPort) is { } url)
        {
            builder.WebHost.UseUrls(url);
        }

        configure?.Invoke(builder);
        builder.Services.AddWebhookReceiver();
        var app = builder.Build();
        app.MapWebhookReceiver();
        app.MapReceiverOperations();
        return app;
    }
}
