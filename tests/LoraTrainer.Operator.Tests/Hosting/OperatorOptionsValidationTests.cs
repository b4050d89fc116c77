using k8s;
using LoraTrainer.CommandLine;
using LoraTrainer.Operator.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.Tests.Hosting;

/// <summary>The operator's settings are checked at start-up by code generated at build time, and a broken one is named in one line.</summary>
public sealed class OperatorOptionsValidationTests
{
    private static readonly Dictionary<string, string?> Valid = new()
    {
        ["Operator:ReceiverUrl"] = "https://hooks.example.com",
        ["Vast:ApiKey"] = "k",
    };

    [Fact]
    public void AddOperator_ChecksEverySettingsSectionWithoutReflection()
    {
        var services = new ServiceCollection();

        services.AddOperator(new ConfigurationBuilder().AddInMemoryCollection(Valid).Build(), () => new KubernetesClientConfiguration { Host = "http://127.0.0.1:1" });

        var validators = services.Where(d => d.ServiceType.IsGenericType && d.ServiceType.GetGenericTypeDefinition() == typeof(IValidateOptions<>)).ToList();
        Assert.NotEmpty(validators);
        Assert.DoesNotContain(validators, d => (d.ImplementationType ?? d.ImplementationInstance?.GetType()) is { IsGenericType: true } type
            && type.GetGenericTypeDefinition() == typeof(DataAnnotationValidateOptions<>));
    }

    [Theory]
    [InlineData("Vast:MaxRetries", "99", "between 0 and 20")]
    [InlineData("Vast:AttemptTimeout", "02:00:00", "Vast:AttemptTimeout (Vast__AttemptTimeout)")]
    [InlineData("Datasets:MaxImages", "0", "between 1 and 1000000")]
    [InlineData("Civitai:AttemptTimeout", "00:20:00", "Civitai:AttemptTimeout (Civitai__AttemptTimeout)")]
    [InlineData("ModelCache:Bucket", "Not_A_Bucket", "ModelCache:Bucket must be an S3 bucket name")]
    [InlineData("Operator:Workers", "0", "Operator:Workers (Operator__Workers)")]
    [InlineData("Operator:LeaderElection:RetryPeriod", "00:00:00", "Operator:LeaderElection:RetryPeriod (00:00:00) must be positive")]
    [InlineData("S3:MaxPartsInFlight", "0", "S3:MaxPartsInFlight (S3__MaxPartsInFlight)")]
    public void StartUp_WithASettingOutsideItsRule_FailsWithOneLineNamingIt(string key, string value, string expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>(Valid) { [key] = value }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddOperator(configuration, () => new KubernetesClientConfiguration { Host = "http://127.0.0.1:1" });
        using var provider = services.BuildServiceProvider();

        var error = Assert.ThrowsAny<Exception>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        var line = ProgramStart.Describe(OperatorProgram.Info, error);
        Assert.True(line is not null, error.ToString());
        Assert.DoesNotContain('\n', line);
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }
}
