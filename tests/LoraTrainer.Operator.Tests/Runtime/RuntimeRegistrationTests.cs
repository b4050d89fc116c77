using LoraTrainer.Cluster;
using LoraTrainer.Operator.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.Tests.Runtime;

/// <summary>How the runtime is wired into a host: settings checked at start-up, each controller with its own options.</summary>
public sealed class RuntimeRegistrationTests : IAsyncLifetime
{
    private RuntimeHarness _h = null!;

    public async ValueTask InitializeAsync()
    {
        _h = await RuntimeHarness.StartAsync();
        _h.Kube.SeedYaml(Gadget.Crd);
    }

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    [Theory]
    [InlineData("00:00:15", "00:00:20", "00:00:02", "LeaseDuration (00:00:15) must be longer than RenewDeadline (00:00:20)")]
    [InlineData("00:00:15", "00:00:02", "00:00:02", "RenewDeadline (00:00:02) must be longer than RetryPeriod (00:00:02)")]
    [InlineData("00:00:00.500", "00:00:00.200", "00:00:00.100", "LeaseDuration (00:00:00.5000000) must be at least one second")]
    public void LeaderElectionTimingsOutOfOrder_AreRefusedAtStartUp_SayingWhichToFix(string leaseDuration, string renewDeadline, string retryPeriod, string expected)
    {
        using var services = Build(new()
        {
            ["Operator:LeaderElection:LeaseDuration"] = leaseDuration,
            ["Operator:LeaderElection:RenewDeadline"] = renewDeadline,
            ["Operator:LeaderElection:RetryPeriod"] = retryPeriod,
        });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<LeaderElectionOptions>>().Value);

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("Operator:LeaderElection:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheDefaultSettings_PassStartUpValidation()
    {
        using var services = Build([], s => s.AddController<Widget, IdleReconciler<Widget>>("widgets"));

        services.GetRequiredService<IStartupValidator>().Validate();
    }

    [Fact]
    public void AShutdownGraceNotShorterThanTheHostsShutdownTimeout_IsRefusedAtStartUp()
    {
        using var services = Build([], s => s.AddController<Widget, IdleReconciler<Widget>>("widgets", _ => new ControllerOptions { ShutdownGrace = TimeSpan.FromSeconds(30) }));

        var error = Assert.ThrowsAny<Exception>(() => services.GetRequiredService<IStartupValidator>().Validate());

        var message = error is AggregateException many ? string.Join("; ", many.InnerExceptions.Select(e => e.Message)) : error.Message;
        Assert.Contains("controller widgets: ShutdownGrace (00:00:30) must be shorter than the host's shutdown timeout (00:00:30)", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoControllers_EachGetTheirOwnOptions()
    {
        _h.Kube.Seed(Widget.Named("w-a", @namespace: "team-a"));
        _h.Kube.Seed(Widget.Named("w-b", @namespace: "team-b"));
        _h.Kube.Seed(Gadget.Named("g-a", "team-a"));
        _h.Kube.Seed(Gadget.Named("g-b", "team-b"));
        using var services = Build([], s => s
            .AddController<Widget, IdleReconciler<Widget>>("widgets", _ => new ControllerOptions { Workers = 1 }, _ => new InformerOptions { Namespace = "team-a" })
            .AddController<Gadget, IdleReconciler<Gadget>>("gadgets", _ => new ControllerOptions { Workers = 3 }, _ => new InformerOptions { Namespace = "team-b" }));
        var widgets = services.GetRequiredService<Informer<Widget>>();
        var gadgets = services.GetRequiredService<Informer<Gadget>>();
        using var stop = new CancellationTokenSource();

        var runs = new[] { widgets.RunAsync(stop.Token), gadgets.RunAsync(stop.Token) };
        await Task.WhenAll(widgets.Synced, gadgets.Synced).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        await stop.CancelAsync();
        await Task.WhenAll(runs);

        Assert.Equal(["team-a/w-a"], widgets.List().Select(w => ResourceKey.Of(w).ToString()));
        Assert.Equal(["team-b/g-b"], gadgets.List().Select(g => ResourceKey.Of(g).ToString()));
        Assert.Equal(["gadgets", "widgets"], services.GetServices<IRunnable>().Select(r => r.Name).Order());
    }

    private ServiceProvider Build(Dictionary<string, string?> settings, Action<IServiceCollection>? add = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddControllerRuntime(() => _h.Kube.CreateClientConfiguration());
        add?.Invoke(services);
        return services.BuildServiceProvider();
    }

    private sealed class IdleReconciler<TResource> : IReconciler<TResource>
    {
        public Task<ReconcileResult> ReconcileAsync(ResourceKey key, CancellationToken cancellationToken) => Task.FromResult(ReconcileResult.Done);
    }
}
