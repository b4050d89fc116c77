using LoraTrainer.Webhook;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.AddJsonConsole();
builder.Services.AddWebhookReceiver();

var app = builder.Build();
app.MapWebhookReceiver();
app.MapReceiverOperations();
await app.RunAsync();

/// <summary>The receiver's entry point; public so tests can host it.</summary>
public partial class Program;
