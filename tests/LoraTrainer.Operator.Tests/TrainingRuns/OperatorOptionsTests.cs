using LoraTrainer.Operator.TrainingRuns;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.Tests.TrainingRuns;

public sealed class OperatorOptionsTests
{
    [Fact]
    public void Options_WithTheDefaults_ReissueUrlsWellBeforeTheyExpire()
    {
        using var services = Services(new());

        var options = services.GetRequiredService<IOptions<OperatorOptions>>().Value;

        Assert.Equal(TimeSpan.FromMinutes(30), options.PresignRefreshInterval);
    }

    [Fact]
    public void Options_WhenTheRefreshIntervalIsNotShorterThanTheGetExpiry_FailAtStartUpNamingBothKeys()
    {
        using var services = Services(new() { ["Operator:PresignRefreshInterval"] = "02:00:00" });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<OperatorOptions>>().Value);

        Assert.Equal(
            "Operator:PresignRefreshInterval (02:00:00) plus Operator:InstanceCheckInterval (00:00:30) must be shorter than S3:PresignGetExpiry (02:00:00), " +
            "so that a run's URLs are re-issued before they expire: lower Operator:PresignRefreshInterval or raise S3:PresignGetExpiry.",
            Assert.Single(error.Failures));
        TroubleshootingDoc.AssertExplains(error.Failures.Single());
    }

    [Fact]
    public void Options_WhenTheNextCheckWouldComeAfterThePutExpiry_Fail()
    {
        using var services = Services(new()
        {
            ["Operator:PresignRefreshInterval"] = "00:30:00", ["Operator:InstanceCheckInterval"] = "00:05:00", ["S3:PresignPutExpiry"] = "00:34:00",
        });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<OperatorOptions>>().Value);

        Assert.Contains("must be shorter than S3:PresignPutExpiry (00:34:00)", Assert.Single(error.Failures));
    }

    private static ServiceProvider Services(Dictionary<string, string?> settings)
    {
        settings["Operator:ReceiverUrl"] = "https://lora-hooks.example.com";
        return new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .AddStorage()
            .AddTrainingRuns()
            .BuildServiceProvider();
    }
}
