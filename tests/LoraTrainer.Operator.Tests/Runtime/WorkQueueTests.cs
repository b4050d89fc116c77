using LoraTrainer.Operator.Runtime;
using LoraTrainer.Testing;
using Microsoft.Extensions.Time.Testing;

namespace LoraTrainer.Operator.Tests.Runtime;

public sealed class WorkQueueTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task Add_TheSameKeyManyTimesWhileWaiting_HandsItOutOnce()
    {
        using var queue = new WorkQueue<string>(_time);
        for (var i = 0; i < 100; i++)
        {
            queue.Add("ml-team/a");
        }

        queue.Add("ml-team/b");

        Assert.Equal("ml-team/a", await queue.TakeAsync(Ct));
        Assert.Equal("ml-team/b", await queue.TakeAsync(Ct));
        Assert.Equal(0, queue.Depth);
    }

    [Fact]
    public async Task Add_WhileTheKeyIsProcessed_IsNotHandedToASecondWorker_ButRunsExactlyOnceMoreAfterwards()
    {
        using var queue = new WorkQueue<string>(_time);
        queue.Add("k");
        var key = await queue.TakeAsync(Ct);

        queue.Add("k");
        queue.Add("k");
        var second = queue.TakeAsync(Ct).AsTask();
        await Task.Delay(50, Ct);
        Assert.False(second.IsCompleted);

        queue.Done(key);
        Assert.Equal("k", await second.WaitAsync(TimeSpan.FromSeconds(5), Ct));
        queue.Done("k");

        var third = queue.TakeAsync(Ct).AsTask();
        await Task.Delay(50, Ct);
        Assert.False(third.IsCompleted);
    }

    [Fact]
    public async Task AddRateLimited_BacksOffExponentiallyPerKey_AndForgetResetsIt()
    {
        using var queue = new WorkQueue<string>(_time, TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1));

        Assert.Equal(TimeSpan.FromMilliseconds(5), queue.AddRateLimited("k"));
        Assert.Equal(TimeSpan.FromMilliseconds(10), queue.AddRateLimited("k"));
        Assert.Equal(TimeSpan.FromMilliseconds(20), queue.AddRateLimited("k"));
        Assert.Equal(TimeSpan.FromMilliseconds(5), queue.AddRateLimited("other"));
        for (var i = 0; i < 20; i++)
        {
            queue.AddRateLimited("k");
        }

        Assert.Equal(TimeSpan.FromSeconds(1), queue.AddRateLimited("k"));

        queue.Forget("k");
        Assert.Equal(TimeSpan.FromMilliseconds(5), queue.AddRateLimited("k"));
        _time.Advance(TimeSpan.FromMilliseconds(5));
        var first = await queue.TakeAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(5), Ct);
        var second = await queue.TakeAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(5), Ct);
        Assert.Equal(["k", "other"], new[] { first, second }.Order());
    }

    [Fact]
    public async Task AddAfter_HandsTheKeyOutOnlyWhenTheDelayHasPassed()
    {
        using var queue = new WorkQueue<string>(_time);
        queue.AddAfter("k", TimeSpan.FromMinutes(20));
        var take = queue.TakeAsync(Ct).AsTask();

        _time.Advance(TimeSpan.FromMinutes(19));
        await Task.Delay(30, Ct);
        Assert.False(take.IsCompleted);

        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal("k", await take.WaitAsync(TimeSpan.FromSeconds(5), Ct));
    }

    [Fact]
    public async Task AddAfter_TwiceForOneKey_KeepsTheEarlierDeadline()
    {
        using var queue = new WorkQueue<string>(_time);
        queue.AddAfter("k", TimeSpan.FromMinutes(10));
        queue.AddAfter("k", TimeSpan.FromMinutes(1));
        queue.AddAfter("k", TimeSpan.FromMinutes(30));

        _time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal("k", await queue.TakeAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(5), Ct));
    }

    [Fact]
    public async Task AnEventDuringADelayedRequeue_DoesNotCancelTheRequeue()
    {
        using var queue = new WorkQueue<string>(_time);
        queue.AddAfter("k", TimeSpan.FromMinutes(5));
        queue.Add("k");
        queue.Done(await queue.TakeAsync(Ct));

        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal("k", await queue.TakeAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(5), Ct));
    }

    [Fact]
    public async Task ShutDown_StopsHandingOutKeys()
    {
        using var queue = new WorkQueue<string>(_time);
        var waiting = queue.TakeAsync(Ct).AsTask();

        queue.ShutDown();
        queue.Add("late");

        await Assert.ThrowsAnyAsync<Exception>(() => waiting.WaitAsync(TimeSpan.FromSeconds(5), Ct));
    }

    [Fact]
    public async Task ManyWorkers_NeverProcessOneKeyConcurrently_AndEveryAddIsSeen()
    {
        using var queue = new WorkQueue<int>(TimeProvider.System);
        var active = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        var lastSeen = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        var version = new int[10];
        var overlaps = 0;
        using var stop = new CancellationTokenSource();

        var workers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                int key;
                try { key = await queue.TakeAsync(stop.Token); }
                catch (OperationCanceledException) { return; }

                if (active.AddOrUpdate(key, 1, (_, n) => n + 1) > 1)
                {
                    Interlocked.Increment(ref overlaps);
                }

                var seen = Volatile.Read(ref version[key]);
                await Task.Yield();
                lastSeen[key] = seen;
                active.AddOrUpdate(key, 0, (_, n) => n - 1);
                queue.Done(key);
            }
        }, Ct)).ToList();

        for (var i = 0; i < 5000; i++)
        {
            var key = i % 10;
            Interlocked.Increment(ref version[key]);
            queue.Add(key);
        }

        await Eventually.UntilAsync(() => Enumerable.Range(0, 10).All(k => lastSeen.GetValueOrDefault(k) == version[k]), TimeSpan.FromSeconds(10),
            "every key's last version to be processed", cancellationToken: Ct);

        await stop.CancelAsync();
        await Task.WhenAll(workers);

        Assert.Equal(0, overlaps);
        Assert.All(Enumerable.Range(0, 10), k => Assert.Equal(version[k], lastSeen[k]));
    }
}
