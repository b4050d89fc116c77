using LoraTrainer.Cluster;
using LoraTrainer.Operator.Hosting;
using LoraTrainer.Operator.Runtime;

// The operator refuses to start, with one line saying why, when it has no cluster to manage.
var problem = await KubernetesConnection.CheckAsync(() => KubernetesConnection.LoadConfiguration(), CancellationToken.None);
if (problem is not null)
{
    Console.Error.WriteLine($"loratrainer-operator: {problem}");
    return 1;
}

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.AddJsonConsole();
builder.Services.AddControllerRuntime(() => KubernetesConnection.LoadConfiguration());

var app = builder.Build();
app.MapOperatorEndpoints();
await app.RunAsync();
return Environment.ExitCode;
