using System.Security.Cryptography;
using LoraTrainer.Api;
using LoraTrainer.Cli.Runs;
using LoraTrainer.Storage;
using LoraTrainer.Testing.Builders;
using LoraTrainer.Testing.S3;

namespace LoraTrainer.Cli.Tests;

/// <summary><c>kubectl lora download --epoch N</c> against s3rver: the epoch's file is checked against <c>status.epochs[].sha256</c>.</summary>
public sealed class DownloadTests(S3rverFixture s3) : IClassFixture<S3rverFixture>, IDisposable
{
    private readonly S3ObjectStoreFactory _stores = new(
        Microsoft.Extensions.Options.Options.Create(AwsEnvironment.Options(s3.Server.ServiceUrl.ToString(), _ => null)), TimeProvider.System);

    private static readonly byte[] Epoch2 = [2, 2, 2, 2];
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(TrainingRun Run, IObjectStore Store)> KeptAsync(string epoch2Sha256)
    {
        var bucket = await s3.Server.NewBucketAsync(Ct);
        var run = new TrainingRunBuilder()
            .WithSpec(s => s with { Output = s.Output with { S3 = s.Output.S3 with { Bucket = bucket }, Keep = KeepPolicy.All } })
            .InPhase(TrainingPhase.Completed).Build();
        var best = OutputKeys.Best(run.Spec.Output.S3, run.Metadata.Name);
        await s3.Server.PutObjectAsync(bucket, best.Key, [3], Ct);
        await s3.Server.PutObjectAsync(bucket, OutputKeys.Epoch(run.Spec.Output.S3, run.Metadata.Name, 2).Key, Epoch2, Ct);
        run.Status = run.Status! with
        {
            Output = new OutputStatus { Uri = best.ToString(), Epoch = 3, Bytes = 1, Sha256 = Convert.ToHexStringLower(SHA256.HashData([3])) },
            Epochs = [new EpochLoss { Epoch = 2, Loss = 0.2, Bytes = Epoch2.Length, Sha256 = epoch2Sha256 }, new EpochLoss { Epoch = 3, Loss = 0.1 }],
        };
        return (run, _stores.Create(new S3Credentials(S3rverServer.AccessKeyId, S3rverServer.SecretAccessKey, "s3rver")));
    }

    [Fact]
    public async Task DownloadEpoch_WhenTheFileMatchesTheEpochsSha256_SaysVerified()
    {
        using var folder = new TempFolder();
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(Epoch2));
        var (run, store) = await KeptAsync(sha256);
        var output = new StringWriter();

        var exit = await RunDownload.RunAsync(run, store, epoch: 2, folder.Path, samples: false, output, Ct);

        Assert.Equal(CliExit.Ok, exit);
        Assert.Contains($"(sha256 {sha256}, verified)", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DownloadEpoch_WhenTheFileDoesNotMatchTheEpochsSha256_FailsAndRemovesIt()
    {
        using var folder = new TempFolder();
        var (run, store) = await KeptAsync(new string('0', 64));
        var output = new StringWriter();

        var exit = await RunDownload.RunAsync(run, store, epoch: 2, folder.Path, samples: false, output, Ct);

        Assert.Equal(CliExit.Failed, exit);
        Assert.Contains($"does not match status.epochs[2].sha256 {new string('0', 64)}; the file was removed.", output.ToString(), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(folder.Path));
    }

    public void Dispose() => _stores.Dispose();
}
