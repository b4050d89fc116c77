using System.Security.Cryptography;
using LoraTrainer.Api;
using LoraTrainer.Testing.Trainer;
using LoraTrainer.Testing.World;

namespace LoraTrainer.Cli.Tests;

/// <summary>One world for the class: the Kubernetes API stand-in, s3rver, the Vast simulator, the real operator, receiver and agent.</summary>
public sealed class WorldFixture : IAsyncLifetime
{
    internal TestWorld World { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var missing = Prerequisites.Missing();
        Assert.SkipWhen(missing.Count > 0, "kubectl lora train needs the whole stack, which needs programs this machine lacks: " + string.Join("; ", missing));
        World = await TestWorld.StartAsync([TestWorld.Offer(601, machine: 81, price: 0.40)], CancellationToken.None);
        World.Agents.Trainer = _ => new FakeTrainerSettings { EpochLosses = [0.3, 0.12, 0.2] };
    }

    public ValueTask DisposeAsync() => World is null ? ValueTask.CompletedTask : World.DisposeAsync();
}

public sealed class TrainEndToEndTests(WorldFixture fixture) : IClassFixture<WorldFixture>
{
    private TestWorld World => fixture.World;

    private Dictionary<string, string> S3Credentials => World.PluginEnvironment();

    [Fact]
    public async Task Train_FromAFolderOfImages_DownloadsTheLoraWhoseSha256IsTheStatusOne()
    {
        using var folder = PhotoFolder();

        var result = await Plugin.RunProcessAsync(S3Credentials, folder.Path, "train", "photos", "--name", "anna-cli", "--trigger", "ohwx", "--class", "woman",
            "--bucket", TestWorld.ImagesBucket, "--output-bucket", TestWorld.OutputBucket, "--epochs", "3", "-o", "out", "--kubeconfig", Kubeconfig);

        Assert.True(result.ExitCode == 0, result.ToString());
        var run = World.Run("anna-cli")!;
        Assert.Equal(TrainingPhase.Completed, run.Status!.Phase);
        var downloaded = Path.Combine(folder.Path, "out", "anna-cli.safetensors");
        Assert.Equal(run.Status.Output!.Sha256, Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(downloaded, TestContext.Current.CancellationToken))));
        Assert.Contains("uploaded 3", result.Stdout);
        Assert.Contains("completed: epoch 2", result.Stdout);
        Assert.Contains("verified", result.Stdout);
        // Applied server-side, so the plugin's field manager owns the spec it wrote.
        Assert.Contains(run.Metadata.ManagedFields, f => f.Manager == "kubectl-lora" && f.Operation == "Apply");
        Assert.DoesNotContain("X-Amz-Signature", result.Stdout + result.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Train_WhenTheImagesAreAlreadyInTheBucket_UploadsNothingAgain()
    {
        using var folder = PhotoFolder();
        string[] args = ["train", "photos", "--bucket", TestWorld.ImagesBucket, "--prefix", "again/", "--detach", "--kubeconfig", Kubeconfig];

        var first = await Plugin.RunProcessAsync(S3Credentials, folder.Path, [.. args, "--name", "again-1"]);
        folder.Write("photos/c.jpg", Image.Jpeg(seed: 13));
        var second = await Plugin.RunProcessAsync(S3Credentials, folder.Path, [.. args, "--name", "again-2"]);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("uploaded 3 ", first.Stdout);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("uploaded 1 ", second.Stdout);
        Assert.Contains("3 already in s3://training-images/again/", second.Stdout);
    }

    [Fact]
    public async Task Train_WhenTheBucketIsMissing_SaysToCreateItOrNameAnother()
    {
        using var folder = PhotoFolder();

        var result = await Plugin.RunProcessAsync(S3Credentials, folder.Path, "train", "photos", "--bucket", "no-such-bucket", "--detach", "--kubeconfig", Kubeconfig);

        ErrorTests.AssertOneLine(result, "kubectl-lora: the bucket no-such-bucket does not exist at");
        Assert.Null(World.Run("photos"));
    }

    [Fact]
    public async Task Train_WithoutS3Credentials_SaysWhichVariablesToSet()
    {
        using var folder = PhotoFolder();
        var endpointOnly = new Dictionary<string, string> { ["AWS_ENDPOINT_URL"] = World.S3.ServiceUrl.ToString() };

        var result = await Plugin.RunProcessAsync(endpointOnly, folder.Path, "train", "photos", "--bucket", TestWorld.ImagesBucket, "--detach", "--kubeconfig", Kubeconfig);

        ErrorTests.AssertOneLine(result, "kubectl-lora: no S3 credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE");
    }

    private string Kubeconfig => World.Kubectl.KubeconfigPath;

    private static TempFolder PhotoFolder()
    {
        var folder = new TempFolder();
        folder.Write("photos/a.jpg", Image.Jpeg(seed: 11));
        folder.Write("photos/a.txt", "ohwx woman, smiling"u8.ToArray());
        folder.Write("photos/b.png", Image.Png(seed: 12));
        return folder;
    }
}
