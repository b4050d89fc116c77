using LoraTrainer.Operator.Hosting;

// The operator refuses to start, with one line saying why, when it has no cluster to manage.
var problem = await KubernetesConnection.CheckAsync(() => KubernetesConnection.LoadConfiguration(), CancellationToken.None);
if (problem is not null)
{
    Console.Error.WriteLine($"loratrainer-operator: {problem}");
    return 1;
}

var builder = WebApplication.CreateSlimBuilder(args);
var app = builder.Build();
await app.RunAsync();
return 0;
