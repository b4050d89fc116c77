using System.Formats.Tar;
using System.Text.Json;
using LoraTrainer.Protocol;
using LoraTrainer.Testing.Trainer;

namespace LoraTrainer.Agent.Tests.Running;

/// <summary>Saving sd-scripts' training state and resuming from it, with the fake trainer.</summary>
public sealed class AgentStateTests : IAsyncLifetime
{
    private const string StateKey = "states/portrait-anna/1.tar";
    private AgentScenario _scenario = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _scenario = await AgentScenario.StartAsync();
        _scenario.Receiver.Config = _scenario.Receiver.Config with
        {
            Training = _scenario.Receiver.Config.Training with
            {
                Args = _scenario.Receiver.Config.Training.Args with { MaxTrainEpochs = 4 },
            },
            State = new StatePlan { EveryNEpochs = 1 },
        };
    }

    public ValueTask DisposeAsync() => _scenario.DisposeAsync();

    [Fact]
    public async Task Run_WhenStartedAgainInTheSameWorkDirectory_ResumesFromTheNewestLocalStateAndChoosesAmongEveryEpoch()
    {
        _scenario.Trainer = new FakeTrainerSettings { EpochLosses = [0.30, 0.10, 0.25, 0.20], Mode = FakeTrainerMode.Killed, FailEpoch = 3 };
        Assert.NotEqual(0, await _scenario.RunAgentAsync());

        _scenario.Trainer = _scenario.Trainer with { Mode = FakeTrainerMode.Ok };
        var exitCode = await _scenario.RunAgentAsync();

        Assert.Equal(0, exitCode);
        var readies = _scenario.Receiver.Accepted.Where(e => e.Kind == EventKinds.Ready).ToList();
        Assert.Equal([null, 2], readies.Select(e => e.Epoch));
        var afterResume = _scenario.Receiver.Accepted.SkipWhile(e => e != readies[1]);
        Assert.Equal([3, 4], afterResume.Where(e => e.Kind == EventKinds.EpochCompleted).Select(e => e.Epoch));
        var uploaded = _scenario.Single(EventKinds.Uploaded);
        Assert.Equal(2, uploaded.Epoch);
        Assert.Equal(0.10, uploaded.Loss!.Value, 6);
    }

    [Fact]
    public async Task Run_WhenAStateUploadIsOpen_SendsTheFirstCompleteStateAsATarAndReportsItsPartsAndHash()
    {
        _scenario.Receiver.Config = _scenario.Receiver.Config with
        {
            State = new StatePlan
            {
                EveryNEpochs = 1,
                Upload = new MultipartUploadTarget
                {
                    Key = StateKey, UploadId = "upload-1", PartSize = 5 * 1024 * 1024,
                    Parts = [new PartUploadTarget { PartNumber = 1, Url = _scenario.Store.UrlOf(StateKey) + "&partNumber=1&uploadId=upload-1" }],
                },
            },
        };

        Assert.Equal(0, await _scenario.RunAgentAsync());

        // One upload is open, so only the first state goes; the operator opens the next after completing it.
        var saved = _scenario.Single(EventKinds.StateSaved);
        Assert.Equal((1, StateKey, "upload-1"), (saved.Epoch, saved.Key, saved.UploadId));
        var tar = _scenario.Store.Get(StateKey)!;
        Assert.Equal(tar.Length, saved.Bytes);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(tar)), saved.Sha256);
        Assert.Equal(1, Assert.Single(saved.Parts!).PartNumber);
        Assert.Equal(1, TrainStateEpoch(tar, "portrait-anna-000001-state/train_state.json"));
        Assert.DoesNotContain(_scenario.Receiver.Accepted, e => e.Reason?.Contains("X-Amz", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task Run_WhenTheSavedStateIsCorrupt_StartsCleanAndSaysWhy()
    {
        var corrupt = "not a tar"u8.ToArray();
        _scenario.Store.Put("states/old.tar", corrupt);
        _scenario.Receiver.Config = _scenario.Receiver.Config with
        {
            State = new StatePlan
            {
                Restore = new SavedStateSource { Epoch = 2, Url = _scenario.Store.UrlOf("states/old.tar"), Bytes = corrupt.Length, Sha256 = new string('0', 64) },
            },
        };

        var code = await _scenario.RunAgentAsync();
        Assert.True(code == 0, string.Join(" | ", _scenario.Receiver.Accepted.Where(e => e.Kind == EventKinds.Failed).Select(e => e.Reason + e.LogTail)));

        var ready = _scenario.Single(EventKinds.Ready);
        Assert.Null(ready.Epoch);
        Assert.Contains("saved state of epoch 2 could not be used", ready.Reason, StringComparison.Ordinal);
        Assert.Contains("starts again from epoch 1", ready.Reason, StringComparison.Ordinal);
        Assert.Equal([1, 2, 3, 4], _scenario.Receiver.Accepted.Where(e => e.Kind == EventKinds.EpochCompleted).Select(e => e.Epoch));
    }

    private static int TrainStateEpoch(byte[] tar, string entryName)
    {
        using var reader = new TarReader(new MemoryStream(tar));
        while (reader.GetNextEntry() is { } entry)
        {
            if (entry.Name.TrimStart('.', '/') == entryName)
            {
                using var document = JsonDocument.Parse(entry.DataStream!);
                return document.RootElement.GetProperty("current_epoch").GetInt32();
            }
        }

        using var again = new TarReader(new MemoryStream(tar));
        var names = new List<string>();
        while (again.GetNextEntry() is { } entry)
        {
            names.Add(entry.Name);
        }

        throw new InvalidOperationException($"{entryName} is not in the tar: {string.Join(", ", names)}");
    }
}
