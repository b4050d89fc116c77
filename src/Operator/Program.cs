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
    // Checked before the host starts, so a bad setting is one line rather than a logged stack trace.
    app.Services.GetService<IStartupValidator>()?.Validate();
}
catch (Exception ex) when (ex is OptionsValidationException or AggregateException)
{
    var failures = (ex as AggregateException)?.InnerExceptions.OfType<OptionsValidationException>().SelectMany(e => e.Failures)
        ?? ((OptionsValidationException)ex).Failures;
    Console.Error.WriteLine($"loratrainer-operator: invalid configuration: {string.Join("; ", failures)}");
    return 1;
}

await app.RunAsync();

return Environment.ExitCode;
