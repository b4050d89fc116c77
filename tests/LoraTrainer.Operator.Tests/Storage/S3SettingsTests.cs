using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using LoraTrainer.Operator.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.Tests.Storage;

public sealed class S3SettingsTests
{
    [Theory]
    [InlineData("http://flag:9000", "http://flag:9000")]
    [InlineData(null, "http://s3-only:9000")]
    public void AwsEnvironment_WithAnEndpoint_TakesTheFlagOverTheEnvironmentsS3EndpointOverItsGeneralOne_AndAddressesPathStyle(string? flag, string expected)
    {
        var environment = new Dictionary<string, string?>
        {
            ["AWS_ENDPOINT_URL"] = "http://any-service:9000", ["AWS_ENDPOINT_URL_S3"] = "http://s3-only:9000", ["AWS_DEFAULT_REGION"] = "eu-west-1",
        };

        var settings = S3ClientSettings.From(AwsEnvironment.Options(flag, environment.GetValueOrDefault));

        Assert.Equal(new Uri(expected), settings.ServiceUrl);
        Assert.True(settings.ForcePathStyle);
        Assert.Equal("eu-west-1", settings.Region);
        Assert.Equal(S3ChecksumMode.WHEN_REQUIRED, settings.ChecksumMode);
        Assert.False(settings.ChunkedEncoding);
    }

    [Fact]
    public void AwsEnvironment_WithoutAnEndpoint_IsAwsS3InAwsRegion_AddressedByVirtualHost()
    {
        var environment = new Dictionary<string, string?> { ["AWS_REGION"] = "eu-central-1", ["AWS_DEFAULT_REGION"] = "eu-west-1" };

        var settings = S3ClientSettings.From(AwsEnvironment.Options(null, environment.GetValueOrDefault));

        Assert.Null(settings.ServiceUrl);
        Assert.False(settings.ForcePathStyle);
        Assert.Equal("AWS S3 (eu-central-1)", settings.Endpoint);
    }

    [Fact]
    public void From_WhenProviderIsAws_UsesVirtualHostsAndFlexibleChecksums()
    {
        var settings = S3ClientSettings.From(new S3Options());

        Assert.False(settings.ForcePathStyle);
        Assert.Equal(S3ChecksumMode.WHEN_SUPPORTED, settings.ChecksumMode);
        Assert.True(settings.ChunkedEncoding);
        Assert.Equal("us-east-1", settings.Region);
        Assert.Equal(RequestChecksumCalculation.WHEN_SUPPORTED, settings.ToSdkConfig().RequestChecksumCalculation);
    }

    [Theory]
    [InlineData("R2", "https://acct.r2.cloudflarestorage.com", "auto")]
    [InlineData("MinIO", "http://minio.storage:9000", "us-east-1")]
    [InlineData("Other", "https://s3.wasabisys.com", "us-east-1")]
    public void From_WhenProviderIsS3Compatible_UsesPathStyleAndWhenRequired(string provider, string url, string region)
    {
        var settings = S3ClientSettings.From(new S3Options { Provider = Enum.Parse<S3Provider>(provider), ServiceUrl = url });
        var sdk = settings.ToSdkConfig();

        Assert.True(settings.ForcePathStyle);
        Assert.False(settings.ChunkedEncoding);
        Assert.Equal(region, settings.Region);
        Assert.Equal(RequestChecksumCalculation.WHEN_REQUIRED, sdk.RequestChecksumCalculation);
        Assert.Equal(ResponseChecksumValidation.WHEN_REQUIRED, sdk.ResponseChecksumValidation);
        Assert.Equal(region, sdk.AuthenticationRegion);
        Assert.True(sdk.ForcePathStyle);
    }

    [Fact]
    public void From_WhenFieldsAreSet_TheyWinOverProviderDefaults()
    {
        var settings = S3ClientSettings.From(new S3Options
        {
            Provider = S3Provider.B2, ServiceUrl = "https://s3.us-west-004.backblazeb2.com", Region = "us-west-004",
            ForcePathStyle = false, ChecksumMode = S3ChecksumMode.WHEN_SUPPORTED, ChunkedEncoding = false,
        });

        Assert.False(settings.ForcePathStyle);
        Assert.Equal(S3ChecksumMode.WHEN_SUPPORTED, settings.ChecksumMode);
        Assert.False(settings.ChunkedEncoding);
        Assert.Equal("us-west-004", settings.Region);
    }

    [Fact]
    public void Validate_WhenConfigurationIsInconsistent_NamesEveryKeyToFix()
    {
        var result = new S3OptionsValidator().Validate(null, new S3Options
        {
            Provider = S3Provider.B2, AccessKeyId = "AKIA", PresignPutExpiry = TimeSpan.FromDays(8),
        });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains("S3:ServiceUrl is required"));
        Assert.Contains(result.Failures!, f => f.Contains("S3:Region is required for B2"));
        Assert.Contains(result.Failures!, f => f.Contains("S3:AccessKeyId and S3:SecretAccessKey"));
        Assert.Contains(result.Failures!, f => f.Contains("S3:PresignPutExpiry"));
    }

    [Fact]
    public void AddStorage_WhenSectionIsBound_ReadsChecksumModeAsTheSdkSpellsIt()
    {
        using var services = Services(new()
        {
            ["S3:Provider"] = "MinIO", ["S3:ServiceUrl"] = "http://minio:9000", ["S3:ChecksumMode"] = "WHEN_SUPPORTED",
        });

        var factory = services.GetRequiredService<IObjectStoreFactory>();

        Assert.Equal(S3Provider.MinIO, factory.Settings.Provider);
        Assert.Equal(S3ChecksumMode.WHEN_SUPPORTED, factory.Settings.ChecksumMode);
        Assert.Equal("http://minio:9000/", factory.Settings.ServiceUrl!.ToString());
    }

    [Fact]
    public void AddStorage_WhenSectionIsInvalid_FailsWithTheKeyToFix()
    {
        using var services = Services(new() { ["S3:Provider"] = "R2" });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<S3Options>>().Value);

        Assert.Contains("S3:ServiceUrl is required when S3:Provider is R2", error.Message);
    }

    [Fact]
    public void Translate_WhenStoreDeniesAccess_NamesBucketAndCredentialButNotTheSecret()
    {
        var denied = new AmazonS3Exception("Access Denied") { StatusCode = HttpStatusCode.Forbidden, ErrorCode = "AccessDenied" };
        var credential = new S3Credentials("AKIAEXAMPLE", "wJalrXUtnFEMI-secret", "Secret ml-team/s3");

        var error = S3ErrorTranslator.Translate(denied, "list", new S3Uri("acme-training", "people/anna/"), credential.ToString(), "AWS S3 (us-east-1)");

        Assert.Equal(ObjectStoreErrorKind.AccessDenied, error.Kind);
        Assert.Contains("bucket 'acme-training'", error.Message);
        Assert.Contains("AKIAEXAMPLE (Secret ml-team/s3)", error.Message);
        Assert.DoesNotContain("wJalrXUtnFEMI-secret", error.ToString());
        Assert.DoesNotContain("wJalrXUtnFEMI-secret", credential.ToString());
    }

    [Fact]
    public void Translate_WhenStoreIsOverloaded_IsTransient()
    {
        var slow = new AmazonS3Exception("Slow Down") { StatusCode = HttpStatusCode.ServiceUnavailable, ErrorCode = "SlowDown" };

        var error = S3ErrorTranslator.Translate(slow, "read", new S3Uri("b", "k"), "AKIA (config)", "http://store");

        Assert.Equal(ObjectStoreErrorKind.Transient, error.Kind);
        Assert.False(error.IsUserFixable);
    }

    [Fact]
    public void Translate_WhenAStoreRefusesAnUploadCarryingChecksums_SuggestsChecksumsOnlyWhenRequired()
    {
        var badRequest = new AmazonS3Exception("Invalid Request") { StatusCode = HttpStatusCode.BadRequest, ErrorCode = "InvalidRequest" };
        var notImplemented = new AmazonS3Exception("Not Implemented") { StatusCode = HttpStatusCode.NotImplemented, ErrorCode = "NotImplemented" };
        var zip = new S3Uri("out", "datasets/abc.zip");

        var withChecksums = S3ErrorTranslator.Translate(notImplemented, "write", zip, "AKIA (config)", "https://store", sendsChecksums: true);
        var without = S3ErrorTranslator.Translate(badRequest, "write", zip, "AKIA (config)", "https://store", sendsChecksums: false);

        Assert.Equal(ObjectStoreErrorKind.Failed, withChecksums.Kind);
        Assert.Equal(
            "S3 write of s3://out/datasets/abc.zip at https://store was refused: 501 NotImplemented; if this store does not support AWSSDK's flexible checksums, set S3:ChecksumMode to WHEN_REQUIRED.",
            withChecksums.Message);
        Assert.Equal("S3 write of s3://out/datasets/abc.zip at https://store was refused: 400 InvalidRequest.", without.Message);
        TroubleshootingDoc.AssertExplains(withChecksums.Message);
        TroubleshootingDoc.AssertExplains(without.Message);
    }

    private static ServiceProvider Services(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddStorage()
            .BuildServiceProvider();
    }
}
