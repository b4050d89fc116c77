using LoraTrainer.Api;
using LoraTrainer.Operator.Storage;
using LoraTrainer.Operator.Tests.Storage;
using LoraTrainer.Operator.TrainingRuns;
using LoraTrainer.Testing.Builders;
using LoraTrainer.Testing.S3;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.Tests.TrainingRuns;

/// <summary>The run's saved state in s3rver (through the proxy that answers aborts as S3 does), as the agent would send it.</summary>
public sealed class RunStatesTests(S3rverFixture s3) : IClassFixture<S3rverFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AdvanceAsync_ForEachReportedState_CompletesIt_ThenDeletesThePrevious_AndOpensTheNextUpload()
    {
        await using var world = await StateWorld.StartAsync(s3.Server);
        var run = await world.OpenAsync();

        run = await world.SaveAsync(run, epoch: 1);
        var first = run.Status!.Resume!.Key!;
        run = await world.SaveAsync(run, epoch: 2);

        var resume = run.Status!.Resume!;
        Assert.Equal(2, resume.Epoch);
        Assert.NotNull(await s3.Server.GetObjectAsync(world.Bucket, resume.Key!, Ct));
        Assert.Null(await s3.Server.GetObjectAsync(world.Bucket, first, Ct));
        Assert.NotNull(resume.Upload);
        Assert.NotEqual(resume.Key, resume.Upload.Key);
        Assert.Equal([resume.Upload.UploadId], s3.Server.PendingUploadIds(world.Bucket));
    }

    [Fact]
    public async Task AdvanceAsync_OnceTheRunHasEnded_AbortsTheOpenUpload_SoNoPartsAreLeftBilling()
    {
        await using var world = await StateWorld.StartAsync(s3.Server);
        var run = await world.SaveAsync(await world.OpenAsync(), epoch: 1);
        var open = run.Status!.Resume!.Upload!;
        var ended = With(run, run.Status with { Phase = TrainingPhase.Completed });

        var resume = await world.States.AdvanceAsync(world.Store, ended, Ct);

        Assert.NotNull(resume);
        Assert.Null(resume.Upload);
        Assert.Equal(1, resume.Epoch);
        Assert.Contains(open.UploadId, world.Proxy.AbortedUploads);
        Assert.Empty(s3.Server.PendingUploadIds(world.Bucket));
    }

    [Fact]
    public async Task PlanAsync_ForARetry_CarriesAPresignedGetOfEachEpochKeptUpToTheSavedState_WithItsHashAndLosses()
    {
        await using var world = await StateWorld.StartAsync(s3.Server);
        var run = await world.OpenAsync();
        // Epochs 1 to 7 were trained; 2 was never kept, 7 came after the newest state (6) and is trained again.
        EpochLoss Kept(int epoch) => new() { Epoch = epoch, Loss = epoch / 10.0, ValidationLoss = epoch == 3 ? 0.05 : null, Bytes = 100 + epoch, Sha256 = new string((char)('a' + epoch), 64) };
        IReadOnlyList<EpochLoss> epochs = [Kept(1), new EpochLoss { Epoch = 2, Loss = 0.2 }, Kept(3), Kept(4), Kept(5), Kept(6), Kept(7)];
        foreach (var epoch in epochs)
        {
            await s3.Server.PutObjectAsync(world.Bucket, OutputKeys.Epoch(run.Spec.Output.S3, run.Metadata.Name, epoch.Epoch).Key, [(byte)epoch.Epoch], Ct);
        }

        var retry = With(run, run.Status! with
        {
            Epochs = epochs,
            Resume = run.Status.Resume! with { Epoch = 6, Key = "states/portrait/1.tar", Bytes = 10, Sha256 = new string('f', 64) },
        });

        var restore = (await world.States.PlanAsync(world.Store, retry))!.Restore!;

        Assert.Equal([1, 3, 4, 5, 6], restore.Epochs.Select(e => e.Epoch));
        var third = restore.Epochs.Single(e => e.Epoch == 3);
        Assert.Equal((103L, new string('d', 64), 0.3, (double?)0.05), (third.Bytes, third.Sha256, third.Loss, third.ValidationLoss));
        foreach (var kept in restore.Epochs)
        {
            Assert.Equal([(byte)kept.Epoch], await world.Http.GetByteArrayAsync(new Uri(kept.Url), Ct));
        }
    }

    [Fact]
    public async Task AdvanceAsync_AgainForAStateItCompletedBeforeItsStatusWriteLostARace_KeepsThatStateAsTheNewest()
    {
        await using var world = await StateWorld.StartAsync(s3.Server);
        var reported = await world.SendAsync(await world.OpenAsync(), epoch: 1);
        var saved = reported.Status!.Resume!.Saved!;
        await world.AdvanceAsync(reported);

        // The write of that pass conflicted, so the next one sees the same report.
        var again = await world.States.AdvanceAsync(world.Store, reported, Ct);

        Assert.NotNull(again);
        Assert.Equal(1, again.Epoch);
        Assert.Equal(saved.Key, again.Key);
        Assert.Null(again.Saved);
        Assert.NotNull(await s3.Server.GetObjectAsync(world.Bucket, saved.Key, Ct));
        Assert.DoesNotContain(saved.UploadId, world.Proxy.AbortedUploads);
    }

    [Fact]
    public async Task AdvanceAsync_WhenTheStoreRefusesAStatesParts_KeepsThePreviousState_AbortsTheUpload_AndOpensANewOne()
    {
        await using var world = await StateWorld.StartAsync(s3.Server);
        var run = await world.SaveAsync(await world.OpenAsync(), epoch: 1);
        var first = run.Status!.Resume!.Key!;
        var refused = await world.SendAsync(run, epoch: 2, etag: "\"0123456789abcdef0123456789abcdef\"");

        var resume = (await world.States.AdvanceAsync(world.Store, refused, Ct))!;

        Assert.Equal(1, resume.Epoch);
        Assert.Equal(first, resume.Key);
        Assert.NotNull(await s3.Server.GetObjectAsync(world.Bucket, first, Ct));
        Assert.Contains(refused.Status!.Resume!.Saved!.UploadId, world.Proxy.AbortedUploads);
        Assert.NotNull(resume.Upload);
        Assert.NotEqual(refused.Status.Resume.Saved.UploadId, resume.Upload.UploadId);
    }

    [Theory]
    [InlineData(TrainingPhase.Training, 1, "none", true)] // the first upload to open
    [InlineData(TrainingPhase.Training, 1, "open", false)] // waiting for the agent's state
    [InlineData(TrainingPhase.Training, 1, "saved", true)] // a state to complete
    [InlineData(TrainingPhase.Training, 0, "none", false)] // a run that saves no state
    [InlineData(TrainingPhase.Completed, 1, "none", false)]
    [InlineData(TrainingPhase.Completed, 1, "open", true)] // an upload to abort
    [InlineData(TrainingPhase.Completed, 1, "saved", true)] // a state reported just before the end
    [InlineData(TrainingPhase.Failed, 1, "open", true)]
    public void HasWork_IsTrueExactlyWhenAdvanceAsyncWouldCallTheStore(TrainingPhase phase, int every, string upload, bool expected)
    {
        var open = new StateUploadStatus { Key = "states/run", UploadId = "u1", PartSize = 5 << 20, Parts = 2 };
        var resume = upload switch
        {
            "open" => new ResumeStatus { Upload = open },
            "saved" => new ResumeStatus { Upload = open, Saved = new SavedStateStatus { Epoch = 1, Key = open.Key, UploadId = open.UploadId } },
            _ => null,
        };
        var run = new TrainingRunBuilder().InPhase(phase)
            .WithSpec(spec => spec with { RunPolicy = new RunPolicySpec { SaveStateEveryNEpochs = every } }).Build();
        run.Status = run.Status! with { Resume = resume };

        Assert.Equal(expected, RunStates.HasWork(run));
    }

    private static TrainingRun With(TrainingRun run, TrainingRunStatus status) => new() { Metadata = run.Metadata, Spec = run.Spec, Status = status };

    /// <summary>A bucket, the store through the proxy, and the agent's side of a state upload.</summary>
    private sealed class StateWorld : IAsyncDisposable
    {
        private readonly S3ObjectStoreFactory _factory;

        private StateWorld(S3rverServer server, S3rverProxy proxy, string bucket)
        {
            Proxy = proxy;
            Bucket = bucket;
            var options = S3rverStores.Options(server, o => o.ServiceUrl = proxy.BaseUrl.ToString());
            _factory = S3rverStores.Factory(options);
            Store = _factory.Create(S3rverStores.Credentials);
            States = new RunStates(new PresignedMultipart(Options.Create(options)), Options.Create(options), TimeProvider.System);
        }

        public HttpClient Http { get; } = new();
        public S3rverProxy Proxy { get; }
        public string Bucket { get; }
        public IObjectStore Store { get; }
        public RunStates States { get; }

        public static async Task<StateWorld> StartAsync(S3rverServer server)
        {
            var proxy = await S3rverProxy.StartAsync(server, Ct);
            return new StateWorld(server, proxy, await server.NewBucketAsync(Ct));
        }

        /// <summary>A run in training with its first state upload open.</summary>
        public async Task<TrainingRun> OpenAsync()
        {
            var run = new TrainingRunBuilder()
                .WithSpec(s => s with { Output = s.Output with { S3 = s.Output.S3 with { Bucket = Bucket } }, RunPolicy = (s.RunPolicy ?? new RunPolicySpec()) with { SaveStateEveryNEpochs = 1 } })
                .InPhase(TrainingPhase.Training).Build();
            return await AdvanceAsync(run);
        }

        /// <summary>Sends a state through the open upload's presigned part URL, as the agent does, reports it, and moves the state on.</summary>
        public async Task<TrainingRun> SaveAsync(TrainingRun run, int epoch) => await AdvanceAsync(await SendAsync(run, epoch));

        /// <summary>Sends a state as <see cref="SaveAsync"/> does and reports it, reporting <paramref name="etag"/> for its part when given.</summary>
        public async Task<TrainingRun> SendAsync(TrainingRun run, int epoch, string? etag = null)
        {
            var plan = (await States.PlanAsync(Store, run))!;
            var upload = plan.Upload!;
            var bytes = new byte[1000 + epoch];
            using var response = await Http.PutAsync(upload.Parts[0].Url, new ByteArrayContent(bytes), Ct);
            response.EnsureSuccessStatusCode();
            etag ??= response.Headers.ETag!.Tag;

            var saved = new SavedStateStatus
            {
                Epoch = epoch, Key = upload.Key, UploadId = upload.UploadId, Bytes = bytes.Length, Sha256 = new string('a', 64),
                Parts = [new StatePartStatus { PartNumber = 1, ETag = etag }],
            };
            return With(run, run.Status! with { Resume = run.Status.Resume! with { Saved = saved } });
        }

        public async Task<TrainingRun> AdvanceAsync(TrainingRun run) =>
            await States.AdvanceAsync(Store, run, Ct) is { } resume ? With(run, run.Status! with { Resume = resume }) : run;

        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            _factory.Dispose();
            await Proxy.DisposeAsync();
        }
    }
}
