using LoraTrainer.Operator.Vast;
using LoraTrainer.Operator.Vast.Sweeping;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.Tests.Vast;

public sealed class VastServiceCollectionTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings, bool withClaims = true)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddVast(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        if (withClaims)
        {
            services.AddSingleton<IInstanceClaims, NoClaims>();
        }

        return services.BuildServiceProvider();
    }

    [Fact]
    public void StartupValidation_WithoutKeyOrClusterName_NamesTheKeysToSet()
    {
        using var provider = Build([]);

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(error.Failures, failure => failure.Contains("Vast:ApiKey or Vast:ApiKeyFile"));
        Assert.Contains(error.Failures, failure => failure.Contains("ClusterName"));
    }

    [Fact]
    public void StartupValidation_WithANegativePacing_NamesThePacingKey()
    {
        using var provider = Build(new() { ["Vast:ApiKey"] = "k", ["Vast:ClusterName"] = "prod", ["Vast:Pacing:Create"] = "-00:00:01" });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(error.Failures, failure => failure.Contains("Vast:Pacing:Create"));
    }

    [Theory]
    [InlineData("Vast:ClusterName")]
    [InlineData("Operator:ClusterName")]
    public void StartupValidation_WithAClusterNameOver32Characters_IsRefusedByBothOptions(string key)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        var settings = new Dictionary<string, string?>
        {
            ["Vast:ApiKey"] = "k", ["Vast:ClusterName"] = "prod", ["Operator:ClusterName"] = "prod", ["Operator:ReceiverUrl"] = "https://hooks.example.com",
        };
        settings[key] = new string('a', 33);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        services.AddVast(configuration);
        services.AddOptions<LoraTrainer.Operator.TrainingRuns.OperatorOptions>().Bind(configuration.GetSection("Operator")).ValidateDataAnnotations();
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() =>
        {
            _ = provider.GetRequiredService<IOptions<VastOptions>>().Value;
            _ = provider.GetRequiredService<IOptions<LoraTrainer.Operator.TrainingRuns.OperatorOptions>>().Value;
        });

        Assert.Equal($"{key.Split(':')[0]}Options", error.OptionsType.Name);
        Assert.Contains(error.Failures, failure => failure.Contains("ClusterName", StringComparison.Ordinal));
    }

    [Fact]
    public void StartupValidation_WithKeyAndClusterName_AcceptsEveryDefault()
    {
        using var provider = Build(new() { ["Vast:ApiKey"] = "k", ["Vast:ClusterName"] = "prod" });

        provider.GetRequiredService<IStartupValidator>().Validate();

        var options = provider.GetRequiredService<IOptions<VastOptions>>().Value;
        Assert.Equal(new Uri("https://console.vast.ai"), options.BaseUrl);
        Assert.Equal(TimeSpan.FromSeconds(4.75), options.Pacing.Create);
    }

    [Fact]
    public void AddVast_CalledTwice_RegistersEverythingOnce()
    {
        var services = new ServiceCollection();
        var configuration = new ConfigurationBuilder().Build();

        services.AddVast(configuration).AddVast(configuration);

        Assert.Single(services, descriptor => descriptor.ImplementationType == typeof(VastOrphanSweeper));
        Assert.Single(services, descriptor => descriptor.ServiceType == typeof(VastProvider));
    }

    [Fact]
    public void HostedServices_WithoutInstanceClaims_FailToResolveRatherThanSweepBlind()
    {
        using var provider = Build(new() { ["Vast:ApiKey"] = "k", ["Vast:ClusterName"] = "prod" }, withClaims: false);

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetServices<IHostedService>().ToList());

        Assert.Contains(nameof(IInstanceClaims), error.Message);
    }

    private sealed class NoClaims : IInstanceClaims
    {
        public bool IsSynced => false;

        public ValueTask<bool> IsClaimedAsync(InstanceClaim candidate, CancellationToken cancellationToken) => ValueTask.FromResult(true);
    }
}
