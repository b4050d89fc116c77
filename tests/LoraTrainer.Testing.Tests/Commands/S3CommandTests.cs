using System.Text.RegularExpressions;
using Amazon.Runtime;
using Amazon.S3;
using LoraTrainer.Testing.S3;

namespace LoraTrainer.Testing.Tests.Commands;

public sealed partial class S3CommandTests
{
    [Fact]
    public async Task S3_OnPortZero_CreatesTheGivenBucketsForThePrintedCredentials()
    {
        if (await S3rverServer.EnsureInstalledAsync(TestContext.Current.CancellationToken) is { } unavailable)
        {
            Assert.Skip(unavailable);
        }

        await using var command = RunningCommand.Start("s3", "--port", "0", "--bucket", "datasets", "--bucket", "loras");
        var endpoint = await command.WaitUntilListeningAsync();
        var credentials = (await command.Output.WaitForAsync(CredentialsLine(), TimeSpan.FromSeconds(10))).Groups;
        using var s3 = new AmazonS3Client(
            new BasicAWSCredentials(credentials[1].Value, credentials[2].Value),
            new AmazonS3Config { ServiceURL = endpoint.ToString(), AuthenticationRegion = credentials[3].Value, ForcePathStyle = true });

        var buckets = await s3.ListBucketsAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["datasets", "loras"], (buckets.Buckets ?? []).Select(b => b.BucketName).Order());
        Assert.Equal(0, await command.StopAsync());
    }

    [GeneratedRegex(@"access key: (\S+)\s+secret key: (\S+)\s+region: (\S+)")]
    private static partial Regex CredentialsLine();
}
