using LoraTrainer.Cluster;
using LoraTrainer.Operator.Hosting;
using Microsoft.Extensions.Options;

// The operator refuses to start, with one line saying why, when it has no cluster to manage.
var problem = await KubernetesConnection.CheckAsync(() => KubernetesConnection.LoadConfiguration(), CancellationToken.None);
if (problem is not null)
{
    Console.Error.WriteLine($"loratrainer-operator: {problem}");
    return 1;
}

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.AddJsonConsole();
builder.Services.AddOperator(builder.Configuration, () => KubernetesConnection.LoadConfiguration());

var app = builder.Build();
app.MapOperatorEndpoints();
try
{
    await app.RunAsync();
}
catch (OptionsValidationException ex)
{
    Console.Error.WriteLine($"loratrainer-operator: invalid configuration: {string.Join("; ", ex.Failures)}");
    return 1;
}

return Environment.ExitCode;
