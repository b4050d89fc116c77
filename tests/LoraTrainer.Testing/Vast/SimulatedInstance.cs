namespace LoraTrainer.Testing.Vast;

/// <summary>One simulated instance: its Vast status fields, its automatic lifecycle, and its bill.</summary>
/// <remarks>Not thread-safe; the simulator calls it under its lock. Transitions are applied at their exact due time, so the bill does not depend on when anyone looked.</remarks>
internal sealed class SimulatedInstance(
    long id, SimulatedOffer offer, string? label, string image, int diskGb,
    IReadOnlyDictionary<string, string> env, string instanceApiKey, double? bid, VastLifecycle lifecycle, DateTimeOffset createdAt)
{
    internal const string OciMessage =
        "Error response from daemon: failed to create task for container: failed to create shim task: OCI runtime create failed: " +
        "runc create failed: unable to start container process: exec: \"/opt/lora/entrypoint\": permission denied: unknown";

    private double _gpuSeconds;
    private double _gpuDollars;
    private DateTimeOffset? _gpuSince;
    private DateTimeOffset _since = createdAt;
    private bool _automatic = true;

    public long Id { get; } = id;
    public SimulatedOffer Offer { get; } = offer;
    public string? Label { get; set; } = label;
    public string Image { get; } = image;
    public int DiskGb { get; } = diskGb;
    public IReadOnlyDictionary<string, string> Env { get; } = env;
    public string InstanceApiKey { get; } = instanceApiKey;
    public double? Bid { get; private set; } = bid;
    public DateTimeOffset CreatedAt { get; } = createdAt;
    public DateTimeOffset? DestroyedAt { get; private set; }
    public string? ActualStatus { get; private set; }
    public string IntendedStatus { get; private set; } = "running";
    public string CurState { get; private set; } = "running";
    public string NextState { get; private set; } = "running";
    public string? StatusMsg { get; private set; }
    public bool ReachedRunning { get; private set; }
    public bool HookFired { get; set; }
    public ITimer? Timer { get; set; }

    public bool Alive => DestroyedAt is null;

    /// <summary>USD per hour for the GPU while running: the bid for interruptible instances.</summary>
    public double GpuPerHour => Bid ?? Offer.DphBase;

    /// <summary>The next automatic transition, if any.</summary>
    public DateTimeOffset? NextDue => Alive && _automatic ? Step() is { } step ? _since + step.After : null : null;

    /// <summary>Applies every transition due by <paramref name="now"/>; true when the instance reached running meanwhile.</summary>
    public bool CatchUp(DateTimeOffset now)
    {
        var wasRunning = ReachedRunning;
        while (Alive && _automatic && Step() is { } step && _since + step.After <= now)
        {
            var at = _since + step.After;
            step.Apply(at);
        }

        return ReachedRunning && !wasRunning;
    }

    /// <summary>Sets the status by hand; automatic transitions continue from there unless <paramref name="automatic"/> is false.</summary>
    public bool Force(string? actualStatus, string? statusMsg, DateTimeOffset now, bool automatic)
    {
        var wasRunning = ReachedRunning;
        SetActual(actualStatus, now);
        StatusMsg = statusMsg;
        _automatic = automatic;
        return ReachedRunning && !wasRunning;
    }

    /// <summary>Whether Vast has paused it: its contract states read <c>stopped</c> (outbid, or out of credit).</summary>
    public bool Paused => CurState == "stopped";

    /// <summary>The contract states turn stopped, as after an outbid or when credit runs out.</summary>
    public void Outbid(DateTimeOffset now)
    {
        StopGpuBilling(now);
        IntendedStatus = CurState = NextState = "stopped";
        _since = now;
    }

    /// <summary>A paused instance runs again on the same disk: its container starts afresh, so the running hook fires again.</summary>
    public void Resume(DateTimeOffset now)
    {
        IntendedStatus = CurState = NextState = "running";
        HookFired = false;
        _automatic = true;
        SetActual("running", now);
    }

    /// <summary>A new bid; the GPU seconds already billed keep the price they ran at.</summary>
    public void ChangeBid(double price, DateTimeOffset now)
    {
        var billing = _gpuSince is not null;
        StopGpuBilling(now);
        Bid = price;
        if (billing)
        {
            _gpuSince = now;
        }
    }

    public void Destroy(DateTimeOffset now)
    {
        SetActual(ActualStatus, now, billing: false);
        DestroyedAt = now;
        Timer?.Dispose();
        Timer = null;
    }

    public double InstanceSeconds(DateTimeOffset now) => Math.Max(0, ((DestroyedAt ?? now) - CreatedAt).TotalSeconds);

    public double GpuSeconds(DateTimeOffset now) => _gpuSeconds + OpenGpuSeconds(now);

    private double OpenGpuSeconds(DateTimeOffset now) => _gpuSince is { } since ? Math.Max(0, (now - since).TotalSeconds) : 0;

    public double Dollars(DateTimeOffset now) =>
        _gpuDollars + OpenGpuSeconds(now) * GpuPerHour / 3600 + InstanceSeconds(now) * Offer.StoragePerHour(DiskGb) / 3600;

    private (TimeSpan After, Action<DateTimeOffset> Apply)? Step()
    {
        var failure = lifecycle.Failure;
        if (CurState == "stopped")
        {
            return ActualStatus == "stopped" ? null : (lifecycle.StopAfterOutbid, at => SetActual("stopped", at));
        }

        return ActualStatus switch
        {
            null => (lifecycle.Provisioning, at => SetActual("created", at)),
            "created" when failure == VastInstanceFailure.OciRuntimeFailure =>
                StatusMsg is null ? (lifecycle.Starting, at => { StatusMsg = OciMessage; _since = at; }) : null,
            "created" => (lifecycle.Starting, at => SetActual("loading", at, message: "Pulling image " + Image)),
            "loading" when failure == VastInstanceFailure.StuckInLoading => null,
            "loading" => (lifecycle.Loading, at => SetActual("running", at)),
            "running" => failure switch
            {
                VastInstanceFailure.ExitsWhileRunning => (lifecycle.FailAfter, at => SetActual("exited", at, message: "container exited with code 137")),
                VastInstanceFailure.GoesOffline => (lifecycle.FailAfter, at => SetActual("offline", at)),
                VastInstanceFailure.LosesHeartbeat => (lifecycle.FailAfter, at => SetActual("unknown", at)),
                VastInstanceFailure.Outbid => (lifecycle.FailAfter, Outbid),
                _ => null,
            },
            _ => null,
        };
    }

    private void SetActual(string? status, DateTimeOffset at, string? message = null, bool billing = true)
    {
        StopGpuBilling(at);
        ActualStatus = status;
        StatusMsg = message;
        _since = at;
        if (status == "running")
        {
            ReachedRunning = true;
        }

        // The GPU bills while the container runs and the contract is not stopping.
        if (billing && status == "running" && CurState != "stopped")
        {
            _gpuSince = at;
        }
    }

    private void StopGpuBilling(DateTimeOffset at)
    {
        if (_gpuSince is { } since)
        {
            var seconds = Math.Max(0, (at - since).TotalSeconds);
            _gpuSeconds += seconds;
            _gpuDollars += seconds * GpuPerHour / 3600;
            _gpuSince = null;
        }
    }
}
