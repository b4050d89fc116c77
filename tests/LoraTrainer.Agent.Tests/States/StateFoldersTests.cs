using LoraTrainer.Agent.States;

namespace LoraTrainer.Agent.Tests.States;

public sealed class StateFoldersTests : IDisposable
{
    private readonly TempFolder _work = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _work.Dispose();

    private string State(string outputDirectory, int epoch, bool complete)
    {
        var folder = StateFolders.PathOf(outputDirectory, "anna", epoch);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, StateFolders.TrainStateFile), $"{{\"current_epoch\": {epoch}, \"current_step\": {epoch * 12}}}");
        File.WriteAllBytes(Path.Combine(folder, "optimizer.bin"), [1, 2, (byte)epoch]);
        if (complete)
        {
            StateFolders.MarkComplete(folder);
        }

        return folder;
    }

    [Fact]
    public async Task PackAsync_ThenUnpackAsync_RestoresTheFolderUnderItsOwnNameWithItsEpoch()
    {
        var folder = State(_work.Combine("a"), 6, complete: true);
        var tar = _work.Combine("state.tar");

        await StateFolders.PackAsync(folder, tar, Ct);
        var restored = await StateFolders.UnpackAsync(tar, _work.Combine("b"), Ct);

        Assert.Equal(6, restored!.Epoch);
        Assert.Equal("anna-000006-state", Path.GetFileName(restored.Path));
        Assert.Equal([1, 2, 6], File.ReadAllBytes(Path.Combine(restored.Path, "optimizer.bin")));
    }

    [Fact]
    public async Task UnpackAsync_WhenTheTarIsNotAState_ReturnsNull()
    {
        var tar = _work.Combine("junk.tar");
        await File.WriteAllTextAsync(tar, "not a tar at all", Ct);

        Assert.Null(await StateFolders.UnpackAsync(tar, _work.Combine("b"), Ct));
    }

    [Fact]
    public void Newest_SkipsAFolderTheTrainerMayNotHaveFinished()
    {
        var output = _work.Combine("out");
        State(output, 4, complete: true);
        State(output, 5, complete: true);
        State(output, 6, complete: false);

        Assert.Equal(5, StateFolders.Newest(output, "anna")!.Epoch);
    }
}
