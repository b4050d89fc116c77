using LoraTrainer.Operator.Datasets;
using LoraTrainer.Operator.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.Tests.Datasets;

public sealed class DatasetRegistrationTests
{
    [Fact]
    public void AddDatasets_WhenConfigured_ResolvesTheZipperWithTheConfiguredCapsAndStore()
    {
        using var services = Services(new()
        {
            ["S3:Provider"] = "MinIO", ["S3:ServiceUrl"] = "http://minio:9000",
            ["Datasets:MaxImages"] = "500", ["Datasets:MaxTotalBytes"] = "1073741824",
        });

        Assert.NotNull(services.GetRequiredService<DatasetZipper>());
        Assert.NotNull(services.GetRequiredService<ArtifactPresigner>());
        var caps = services.GetRequiredService<IOptions<DatasetOptions>>().Value;
        Assert.Equal((500, 1L << 30), (caps.MaxImages, caps.MaxTotalBytes));
        Assert.True(services.GetRequiredService<IObjectStoreFactory>().Settings.ForcePathStyle);
    }

    [Fact]
    public void AddDatasets_WhenACapIsOutOfRange_FailsNamingIt()
    {
        using var services = Services(new() { ["Datasets:MaxImages"] = "0" });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<DatasetOptions>>().Value);

        Assert.Contains("MaxImages", error.Message);
    }

    private static ServiceProvider Services(Dictionary<string, string?> settings) =>
        new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .AddLogging()
            .AddDatasets()
            .BuildServiceProvider();
}
