using LoraTrainer.Cluster;

namespace LoraTrainer.Operator.Runtime;

/// <summary>Tuning of list/watch; the defaults follow client-go.</summary>
public sealed record InformerOptions
{
    /// <summary>Namespace to watch; null watches all namespaces. Defaults to all.</summary>
    public string? Namespace { get; init; }

    /// <summary>Shortest server-side watch timeout; each watch picks a random value up to twice this. Defaults to 5 minutes.</summary>
    public TimeSpan MinWatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long past its timeout a silent watch is given before the watchdog restarts it. Defaults to 30 seconds.</summary>
    public TimeSpan WatchdogSlack { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>First delay after an error; doubles with jitter up to <see cref="MaxBackoff"/>. Defaults to 200 ms.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest delay between retries after errors. Defaults to 30 seconds.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);
}
