namespace LoraTrainer.Testing.Vast;

/// <summary>How a <see cref="VastSimulator"/> behaves.</summary>
public sealed class VastSimulatorOptions
{
    /// <summary>The port on 127.0.0.1. Defaults to 0: a free port chosen by the OS.</summary>
    public int Port { get; init; }

    /// <summary>The account key the simulator accepts. Defaults to a fixed test key.</summary>
    public string ApiKey { get; init; } = "vast-sim-key-0123456789abcdef";

    /// <summary>The clock of lifecycles and billing. Defaults to the system clock; tests pass a FakeTimeProvider.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The clock of answer delays and rate limits, kept real by default so client timeouts fire.</summary>
    public TimeProvider NetworkTime { get; init; } = TimeProvider.System;

    /// <summary>The lifecycle of instances on offers without their own. Defaults to <see cref="VastLifecycle"/>'s defaults.</summary>
    public VastLifecycle Lifecycle { get; set; } = new();

    /// <summary>Enforce Vast's per-endpoint rate limits (429 with a plain-text body). Off by default.</summary>
    public bool EnforceRateLimits { get; set; }

    /// <summary>Least time between two calls of one endpoint by one key when <see cref="EnforceRateLimits"/> is on; Vast's thresholds by default.</summary>
    public Dictionary<VastRoute, TimeSpan> RateLimits { get; init; } = new()
    {
        [VastRoute.Create] = TimeSpan.FromSeconds(4.5),
        [VastRoute.Show] = TimeSpan.FromSeconds(2),
        [VastRoute.Label] = TimeSpan.FromSeconds(2),
        [VastRoute.List] = TimeSpan.FromSeconds(1),
        [VastRoute.Destroy] = TimeSpan.FromSeconds(3),
    };

    /// <summary>Most offer searches one key may make in <see cref="SearchRateWindow"/> when <see cref="EnforceRateLimits"/> is on: Vast documents 10 a minute.</summary>
    public int SearchesPerWindow { get; set; } = 10;

    /// <summary>The sliding window <see cref="SearchesPerWindow"/> counts in. Defaults to one minute.</summary>
    public TimeSpan SearchRateWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Which of the documented answer shapes to produce where sources disagree.</summary>
    public VastVariants Variants { get; init; } = new();
}

/// <summary>The documented variants of Vast's answers; a robust client accepts every one.</summary>
public sealed class VastVariants
{
    /// <summary>Show of a gone instance answers 404 instead of <c>{"instances": null}</c>.</summary>
    public bool ShowGoneAs404 { get; set; }

    /// <summary>Status of a create on a taken offer: 404 (default) or 410.</summary>
    public int NoSuchAskStatus { get; set; } = 404;

    /// <summary>Error code of destroying a gone instance: <c>not_found</c> (default) or <c>no_such_instance</c>.</summary>
    public string DestroyGoneError { get; set; } = "not_found";

    /// <summary>Status of a search with a bad key: 401 (default) or the documented 404.</summary>
    public int SearchBadKeyStatus { get; set; } = 401;

    /// <summary>429 answers carry JSON <c>{"detail":…}</c> instead of plain text.</summary>
    public bool RateLimitAsJson { get; set; }

    /// <summary>Every number in offers and instances is written as a string.</summary>
    public bool NumbersAsStrings { get; set; }

    /// <summary>Offers carry their reliability as <c>reliability</c> instead of <c>reliability2</c>.</summary>
    public bool OfferReliabilityUnsuffixed { get; set; }

    /// <summary><c>extra_env</c> is an object instead of a list of <c>[name, value]</c> pairs.</summary>
    public bool ExtraEnvAsObject { get; set; }
}
