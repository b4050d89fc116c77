using LoraTrainer.Testing.World;

namespace LoraTrainer.Cli.Tests;

public sealed class PreflightTests
{
    [Fact]
    public async Task Train_WhenTheFolderBreaksSeveralRules_ReportsEveryProblemAndConnectsToNothing()
    {
        using var folder = new TempFolder();
        folder.Write("photos/a.jpg", Image.Jpeg(seed: 1));
        folder.Write("photos/b.png", "a caption saved under the wrong name"u8.ToArray());
        folder.Write("photos/b.txt", "ohwx woman"u8.ToArray());

        // A kubeconfig that does not exist: had the plugin connected, it would have said so with exit code 2.
        var result = await Plugin.RunAsync("train", Path.Combine(folder.Path, "photos"), "--bucket", "images", "--batch-size", "3",
            "--kubeconfig", Path.Combine(folder.Path, "missing.kubeconfig"));

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("only 2 images, fewer than the batch size 3", result.Stderr);
        Assert.Contains("b.png starts like a text file", result.Stderr);
        Assert.Contains("2 problem(s)", result.Stderr);
        Assert.Contains("nothing was uploaded", result.Stderr);
    }

    [Fact]
    public async Task Train_WhenNoBucketIsNamed_SaysToPassOne()
    {
        using var folder = new TempFolder();
        folder.Write("a.jpg", Image.Jpeg(seed: 1));

        var result = await Plugin.RunAsync("train", folder.Path);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("kubectl-lora: no bucket: name the one the images go to with --bucket", result.Stderr);
    }
}
