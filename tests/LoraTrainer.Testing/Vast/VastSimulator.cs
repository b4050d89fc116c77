using LoraTrainer.Testing.Hosting;
using Microsoft.AspNetCore.Builder;

namespace LoraTrainer.Testing.Vast;

/// <summary>
/// A Vast.ai API served over real HTTP on 127.0.0.1: the offer market, instance lifecycles, injectable
/// faults, per-endpoint rate limits and a per-second cost ledger, following the reference contract.
/// </summary>
/// <remarks>
/// Lifecycles and billing run on <see cref="VastSimulatorOptions.Time"/>, so a FakeTimeProvider drives
/// them deterministically. <see cref="OnRunning"/> is called once per instance that reaches running,
/// with the environment its container would see; later tests start the real agent there.
/// </remarks>
public sealed partial class VastSimulator : IAsyncDisposable
{
    private const long FirstInstanceId = 7_835_600;

    private readonly Lock _gate = new();
    private readonly Dictionary<long, SimulatedOffer> _offers = [];
    private readonly HashSet<long> _rentedOffers = [];
    private readonly Dictionary<long, SimulatedInstance> _instances = [];
    private readonly List<VastRecordedRequest> _requests = [];
    private readonly Dictionary<(string Key, VastRoute Route), DateTimeOffset> _lastCall = [];
    private readonly Dictionary<string, long> _pageTokens = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Queue<DateTimeOffset>> _searchTimes = new(StringComparer.Ordinal);
    private readonly List<Task> _hooks = [];
    private readonly List<Exception> _hookFailures = [];
    private readonly CancellationTokenSource _stopping = new();
    private WebApplication? _app;
    private long _nextInstanceId = FirstInstanceId;

    private VastSimulator(VastSimulatorOptions options) => Options = options;

    /// <summary>The simulator's settings; <see cref="VastSimulatorOptions.Variants"/> and rate limits may change while it runs.</summary>
    public VastSimulatorOptions Options { get; }

    /// <summary>The answer shapes to produce.</summary>
    public VastVariants Variants => Options.Variants;

    /// <summary>Faults to inject.</summary>
    public VastFaults Faults { get; } = new();

    /// <summary>The base URL to point a client at, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>The account key the simulator accepts.</summary>
    public string ApiKey => Options.ApiKey;

    /// <summary>Called once per instance when it first reaches running, with its container environment.</summary>
    /// <remarks>Calls run on the thread pool, concurrently and in no set order: instances that reach running at the same instant race, as real containers do.</remarks>
    public Func<VastRunningInstance, CancellationToken, Task>? OnRunning { get; set; }

    /// <summary>Starts a simulator on 127.0.0.1 and <see cref="VastSimulatorOptions.Port"/> (a free port by default).</summary>
    public static async Task<VastSimulator> StartAsync(VastSimulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        var simulator = new VastSimulator(options ?? new VastSimulatorOptions());
        var app = LoopbackHost.CreateBuilder(simulator.Options.Port).Build();
        app.Run(simulator.HandleAsync);
        simulator._app = app;
        simulator.BaseUrl = await LoopbackHost.StartAsync(app, cancellationToken).ConfigureAwait(false);
        return simulator;
    }

    /// <summary>Puts offers on the market (replacing any with the same id).</summary>
    public void AddOffers(params IEnumerable<SimulatedOffer> offers)
    {
        lock (_gate)
        {
            foreach (var offer in offers)
            {
                _offers[offer.Id] = offer;
            }
        }
    }

    /// <summary>Removes an offer from the market, as if someone else rented it.</summary>
    public void TakeOffer(long offerId)
    {
        lock (_gate) _offers.Remove(offerId);
    }

    /// <summary>Creates an instance directly, as if rented earlier or by another tool (e.g. an orphan, a foreign instance).</summary>
    public long SeedInstance(long offerId, string? label, DateTimeOffset? createdAt = null, string? actualStatus = "running")
    {
        lock (_gate)
        {
            var offer = _offers[offerId];
            var instance = NewInstance(offer, label, "vastai/base-image:cuda-12.4", 20, new Dictionary<string, string>(), bid: null, createdAt ?? Options.Time.GetUtcNow());
            instance.Force(actualStatus, null, Options.Time.GetUtcNow(), automatic: false);
            return instance.Id;
        }
    }

    /// <summary>Sets an instance's <c>actual_status</c> and <c>status_msg</c> by hand; its automatic lifecycle stops.</summary>
    public void SetStatus(long instanceId, string? actualStatus, string? statusMsg = null)
    {
        List<SimulatedInstance> running;
        lock (_gate)
        {
            var instance = _instances[instanceId];
            instance.Force(actualStatus, statusMsg, Options.Time.GetUtcNow(), automatic: false);
            instance.Timer?.Dispose();
            running = actualStatus == "running" ? [instance] : [];
        }

        DispatchHooks(running);
    }

    /// <summary>
    /// Outbids an instance now: its contract states turn <c>stopped</c>, then its status follows and its container
    /// stops. Its disk stays and its storage keeps billing until it is destroyed.
    /// </summary>
    public void Outbid(long instanceId)
    {
        lock (_gate)
        {
            var instance = _instances[instanceId];
            instance.Outbid(Options.Time.GetUtcNow());
            Reschedule(instance);
        }
    }

    /// <summary>
    /// A higher bid (or an on-demand rental) takes the offer's machine: the offer's <c>min_bid</c> becomes
    /// <paramref name="minBid"/>, and every interruptible instance on it bidding less is paused (<see cref="Outbid"/>).
    /// </summary>
    public void RaiseMinBid(long offerId, double minBid)
    {
        lock (_gate)
        {
            _offers[offerId] = _offers[offerId] with { MinBid = minBid };
            foreach (var instance in _instances.Values.Where(i => i.Alive && i.Offer.Id == offerId && !i.Paused && i.Bid < minBid))
            {
                instance.Outbid(Options.Time.GetUtcNow());
                Reschedule(instance);
            }
        }
    }

    /// <summary>
    /// Resumes a paused instance, as Vast does once its bid is highest again: it runs again on the same disk, its GPU
    /// bills again, and <see cref="OnRunning"/> is called again as its container starts afresh.
    /// </summary>
    public void Resume(long instanceId)
    {
        SimulatedInstance instance;
        lock (_gate)
        {
            instance = _instances[instanceId];
            if (!instance.Alive || !instance.Paused)
            {
                throw new InvalidOperationException($"Instance {instanceId} is not paused.");
            }

            instance.Resume(Options.Time.GetUtcNow());
            Reschedule(instance);
        }

        DispatchHooks([instance]);
    }

    /// <summary>Applies every lifecycle transition due now and fires hooks (timers do this too; call it after advancing a fake clock from another thread).</summary>
    public void CatchUp() => DispatchHooks(CatchUpAll());

    /// <summary>One instance, destroyed ones included.</summary>
    public VastInstanceSnapshot? Instance(long instanceId)
    {
        CatchUp();
        lock (_gate) return _instances.TryGetValue(instanceId, out var instance) ? Snapshot(instance) : null;
    }

    /// <summary>All instances not yet destroyed (or all, with <paramref name="includeDestroyed"/>).</summary>
    public IReadOnlyList<VastInstanceSnapshot> Instances(bool includeDestroyed = false)
    {
        CatchUp();
        lock (_gate) return [.. _instances.Values.Where(instance => includeDestroyed || instance.Alive).OrderBy(instance => instance.Id).Select(Snapshot)];
    }

    /// <summary>The bill so far.</summary>
    public VastCostReport Cost()
    {
        CatchUp();
        lock (_gate)
        {
            var now = Options.Time.GetUtcNow();
            var costs = _instances.Values.OrderBy(instance => instance.Id)
                .Select(instance => new VastInstanceCost(instance.Id, instance.Label, instance.InstanceSeconds(now), instance.GpuSeconds(now), instance.Dollars(now), instance.Alive))
                .ToList();
            return new VastCostReport(costs.Sum(cost => cost.Dollars), costs.Sum(cost => cost.InstanceSeconds), costs.Sum(cost => cost.GpuSeconds), costs.Count(cost => cost.Alive), costs);
        }
    }

    /// <summary>Every request answered so far, in order.</summary>
    public IReadOnlyList<VastRecordedRequest> Requests
    {
        get { lock (_gate) return [.. _requests]; }
    }

    /// <summary>The requests to one endpoint.</summary>
    public IReadOnlyList<VastRecordedRequest> RequestsTo(VastRoute route) => [.. Requests.Where(request => request.Route == route)];

    /// <summary>Exceptions thrown by <see cref="OnRunning"/>.</summary>
    public IReadOnlyList<Exception> HookFailures
    {
        get { lock (_gate) return [.. _hookFailures]; }
    }

    /// <summary>Waits until every <see cref="OnRunning"/> call started so far has finished.</summary>
    public Task WhenHooksIdleAsync()
    {
        lock (_gate) return Task.WhenAll(_hooks);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        lock (_gate)
        {
            foreach (var instance in _instances.Values)
            {
                instance.Timer?.Dispose();
            }
        }

        if (_app is not null)
        {
            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
        }

        try
        {
            await WhenHooksIdleAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Hook failures are reported through HookFailures.
        }

        _stopping.Dispose();
    }

    private SimulatedInstance NewInstance(SimulatedOffer offer, string? label, string image, int diskGb, IReadOnlyDictionary<string, string> env, double? bid, DateTimeOffset createdAt)
    {
        var id = _nextInstanceId++;
        var key = $"inst-{id}-{Guid.NewGuid():N}";
        var instance = new SimulatedInstance(id, offer, label, image, diskGb, env, key, bid, offer.Lifecycle ?? Options.Lifecycle, createdAt);
        _instances[id] = instance;
        return instance;
    }

    private List<SimulatedInstance> CatchUpAll()
    {
        lock (_gate)
        {
            var now = Options.Time.GetUtcNow();
            var running = new List<SimulatedInstance>();
            foreach (var instance in _instances.Values.Where(instance => instance.Alive))
            {
                if (instance.CatchUp(now))
                {
                    running.Add(instance);
                }
            }

            return running;
        }
    }

    private void Reschedule(SimulatedInstance instance)
    {
        instance.Timer?.Dispose();
        instance.Timer = null;
        var now = Options.Time.GetUtcNow();
        if (instance.NextDue is { } due && due > now)
        {
            instance.Timer = Options.Time.CreateTimer(_ =>
            {
                List<SimulatedInstance> running;
                lock (_gate)
                {
                    running = instance.CatchUp(Options.Time.GetUtcNow()) ? [instance] : [];
                    Reschedule(instance);
                }

                DispatchHooks(running);
            }, null, due - now, Timeout.InfiniteTimeSpan);
        }
    }

    private void DispatchHooks(IReadOnlyList<SimulatedInstance> reachedRunning)
    {
        var hook = OnRunning;
        foreach (var instance in reachedRunning)
        {
            VastRunningInstance running;
            lock (_gate)
            {
                if (hook is null || instance.HookFired || !instance.Alive)
                {
                    continue;
                }

                instance.HookFired = true;
                var env = new Dictionary<string, string>(instance.Env)
                {
                    ["CONTAINER_ID"] = instance.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["CONTAINER_API_KEY"] = instance.InstanceApiKey,
                };
                running = new VastRunningInstance(instance.Id, instance.Label, instance.Image, env, instance.Offer);
            }

            var task = Task.Run(async () =>
            {
                try
                {
                    await hook(running, _stopping.Token).ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is not OperationCanceledException || !_stopping.IsCancellationRequested)
                {
                    lock (_gate) _hookFailures.Add(exception);
                }
            });
            lock (_gate) _hooks.Add(task);
        }
    }

    private static VastInstanceSnapshot Snapshot(SimulatedInstance instance) => new(
        instance.Id, instance.Offer.Id, instance.Offer.Machine, instance.Label, instance.ActualStatus, instance.IntendedStatus, instance.CurState,
        instance.NextState, instance.StatusMsg, instance.Image, instance.DiskGb, instance.Env, instance.CreatedAt, instance.DestroyedAt);
}
