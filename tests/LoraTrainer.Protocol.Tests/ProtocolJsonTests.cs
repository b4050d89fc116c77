using System.Text.Json;
using LoraTrainer.Protocol;

namespace LoraTrainer.Protocol.Tests;

public sealed class ProtocolJsonTests
{
    [Fact]
    public void Event_RoundTripsWithCamelCaseNamesAndOmitsUnsetFields()
    {
        var evt = new AgentEvent { Seq = 3, Kind = EventKinds.Progress, Attempt = 1, Percent = 40, Loss = 0.0931, Epoch = 4, TotalEpochs = 10 };

        var json = JsonSerializer.Serialize(evt, ProtocolJson.Options);
        var back = JsonSerializer.Deserialize<AgentEvent>(json, ProtocolJson.Options);

        Assert.Contains("\"totalEpochs\":10", json, StringComparison.Ordinal);
        Assert.DoesNotContain("stage", json, StringComparison.Ordinal);
        Assert.Equal(evt with { Epochs = null }, back);
    }

    [Fact]
    public void Event_FromANewerAgentWithUnknownFields_StillParses()
    {
        const string json = """{"seq":"7","kind":"heartbeat","attempt":2,"at":"2026-11-25T10:00:00Z","gpuTemperature":71}""";

        var evt = JsonSerializer.Deserialize<AgentEvent>(json, ProtocolJson.Options);

        Assert.NotNull(evt);
        Assert.Equal(7, evt.Seq);
        Assert.Equal(2, evt.Attempt);
    }

    [Fact]
    public void Config_SerializesTheDocumentShapeOfProtocolV1()
    {
        var config = new AgentConfig
        {
            Run = new RunIdentity { Namespace = "ml-team", Name = "portrait", Uid = "u", Attempt = 1 },
            Training = new TrainingPlan { Script = "sdxl_train_network.py", Args = new TrainingArgs { NetworkDim = 32 } },
        };

        using var doc = JsonDocument.Parse(JsonSerializer.Serialize(config, ProtocolJson.Options));
        var root = doc.RootElement;

        Assert.Equal("v1", root.GetProperty("protocol").GetString());
        Assert.Equal("ml-team", root.GetProperty("run").GetProperty("namespace").GetString());
        Assert.Equal(32, root.GetProperty("training").GetProperty("args").GetProperty("network_dim").GetInt32());
        Assert.Equal(".txt", root.GetProperty("dataset").GetProperty("layout").GetProperty("captionExtension").GetString());
    }

    [Fact]
    public void TrainingArgs_TravelAsOneObjectKeyedBySdScriptsNames_TypedWhereKnownAndByNameOtherwise()
    {
        var plan = JsonSerializer.Deserialize<TrainingPlan>(
            """{"script":"sdxl_train_network.py","epochs":4,"args":{"network_dim":32,"max_train_epochs":4,"mixed_precision":"bf16","noise_offset":0.05}}""", ProtocolJson.Options)!;

        var json = JsonSerializer.Serialize(plan, ProtocolJson.Options);

        Assert.Equal((32, 4, "bf16"), (plan.Args.NetworkDim, plan.Args.MaxTrainEpochs, plan.Args.MixedPrecision));
        Assert.Equal(["noise_offset"], plan.Args.Others.Keys);
        Assert.Equal("""{"script":"sdxl_train_network.py","args":{"network_dim":32,"max_train_epochs":4,"mixed_precision":"bf16","noise_offset":0.05},"gpus":1}""", json);
    }

    [Fact]
    public void Config_WithoutLimits_LeavesTheFieldOutAndAnOlderDocumentStillParses()
    {
        var json = JsonSerializer.Serialize(new AgentConfig(), ProtocolJson.Options);
        var older = JsonSerializer.Deserialize<AgentConfig>("""{"protocol":"v1","run":{"namespace":"ml-team","name":"portrait","attempt":1}}""", ProtocolJson.Options);

        Assert.DoesNotContain("limits", json, StringComparison.Ordinal);
        Assert.NotNull(older);
        Assert.Null(older.Limits);
    }

    [Fact]
    public void Config_Limits_RoundTripAsRfc3339Times()
    {
        var config = new AgentConfig { Limits = new RunLimits { Deadline = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero) } };

        var json = JsonSerializer.Serialize(config, ProtocolJson.Options);
        var back = JsonSerializer.Deserialize<AgentConfig>(json, ProtocolJson.Options)!;

        Assert.Contains("\"limits\":{\"deadline\":\"2026-11-25T12:00:00+00:00\"}", json, StringComparison.Ordinal);
        Assert.Equal(config.Limits, back.Limits);
    }

    [Fact]
    public void EventKinds_ListsExactlyTheKindsOfV1()
    {
        Assert.Equal(
            ["epochCompleted", "epochUploaded", "failed", "gpuReady", "heartbeat", "imagesDownloaded", "modelCacheRejected", "modelCached", "modelDownloaded", "progress", "ready", "samplesUploaded", "stateSaved", "trainingCompleted", "uploaded"],
            EventKinds.All.Order(StringComparer.Ordinal));
    }
}
