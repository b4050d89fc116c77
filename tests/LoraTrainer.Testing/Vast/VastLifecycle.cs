namespace LoraTrainer.Testing.Vast;

/// <summary>How a simulated instance goes from null to running, and how it fails.</summary>
public sealed record VastLifecycle
{
    /// <summary>An instance that reaches running at once.</summary>
    public static VastLifecycle Immediate { get; } = new() { Provisioning = TimeSpan.Zero, Starting = TimeSpan.Zero, Loading = TimeSpan.Zero };

    /// <summary>Time with <c>actual_status: null</c> before <c>created</c>.</summary>
    public TimeSpan Provisioning { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Time in <c>created</c> before <c>loading</c> (or before the OCI failure shows).</summary>
    public TimeSpan Starting { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Time pulling the image (<c>loading</c>) before <c>running</c>.</summary>
    public TimeSpan Loading { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>What goes wrong, if anything.</summary>
    public VastInstanceFailure Failure { get; init; }

    /// <summary>Time running before a running failure strikes.</summary>
    public TimeSpan FailAfter { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>After an outbid, time until <c>actual_status</c> follows the contract states to <c>stopped</c>.</summary>
    public TimeSpan StopAfterOutbid { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>The ways a simulated instance fails.</summary>
public enum VastInstanceFailure
{
    /// <summary>It runs until destroyed.</summary>
    None,

    /// <summary>It stays in <c>loading</c> forever (an image that never finishes pulling).</summary>
    StuckInLoading,

    /// <summary>It stays <c>created</c> with <c>status_msg</c> "OCI runtime create failed…".</summary>
    OciRuntimeFailure,

    /// <summary>After <see cref="VastLifecycle.FailAfter"/> running, the container exits.</summary>
    ExitsWhileRunning,

    /// <summary>After <see cref="VastLifecycle.FailAfter"/> running, the host goes offline.</summary>
    GoesOffline,

    /// <summary>After <see cref="VastLifecycle.FailAfter"/> running, heartbeats stop (<c>unknown</c>).</summary>
    LosesHeartbeat,

    /// <summary>After <see cref="VastLifecycle.FailAfter"/> running, it is outbid: the contract states turn <c>stopped</c>.</summary>
    Outbid,
}
