using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.Vast;

/// <summary>Settings of the Vast.ai provider, bound from the <c>Vast</c> configuration section.</summary>
[UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The TimeSpan ranges are checked by the generated VastOptionsAttributeValidator, which does not build the attributes through their type converter.")]
internal sealed class VastOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Vast";

    /// <summary>Vast's API root. Defaults to <c>https://console.vast.ai</c>.</summary>
    [Required]
    public Uri BaseUrl { get; set; } = new("https://console.vast.ai");

    /// <summary>The account API key, typically injected from a Secret as the variable <c>Vast__ApiKey</c>. Never logged.</summary>
    public string? ApiKey { get; set; }

    /// <summary>A file holding the API key (a mounted Secret); read on every use so a rotated key is picked up. Wins over <see cref="ApiKey"/>.</summary>
    public string? ApiKeyFile { get; set; }

    /// <summary>The Secret the key comes from, as <c>namespace/name</c>, named in error messages. Optional.</summary>
    [RegularExpression("^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")]
    public string? ApiKeySecret { get; set; }

    /// <summary>This cluster's name, written into every instance label; the orphan sweep only touches instances carrying it. Lowercase letters, digits and dashes, at most 32 characters. Required.</summary>
    [Required]
    [RegularExpression(Instances.VastInstanceLabel.ClusterNamePattern)]
    public string ClusterName { get; set; } = "";

    /// <summary>Longest wait for one HTTP attempt. Defaults to 30 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest wait for one call, retries and pacing included. Defaults to 3 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>Retries of an idempotent call after a 429, a 5xx or a timeout. Defaults to 6.</summary>
    [Range(0, 20)]
    public int MaxRetries { get; set; } = 6;

    /// <summary>First retry delay; later ones grow exponentially with jitter. Defaults to 2 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest single retry delay. Defaults to 30 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Least time between two requests to the same endpoint, kept under Vast's 429 thresholds.</summary>
    public VastPacingOptions Pacing { get; set; } = new();

    /// <summary>Offers asked for per search. Defaults to 64, so local re-checks still leave a choice.</summary>
    [Range(1, 1000)]
    public int SearchLimit { get; set; } = 64;

    /// <summary>
    /// How long one offer search answers every run asking the same of the same account. Vast allows 10 searches a minute
    /// per key; runs waiting for a GPU share searches within this window. Defaults to 20 seconds.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan SearchShareWindow { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Searches tried when every offer found was taken before it could be rented. Defaults to 3.</summary>
    [Range(1, 20)]
    public int MaxSearchRounds { get; set; } = 3;

    /// <summary>Offers tried from one search before searching again. Defaults to 5.</summary>
    [Range(1, 100)]
    public int MaxOffersPerSearch { get; set; } = 5;

    /// <summary>Create calls tried on one offer when Vast's answer was lost. Defaults to 3.</summary>
    [Range(1, 10)]
    public int MaxCreateAttemptsPerOffer { get; set; } = 3;

    /// <summary>Listings searched for the label after a lost create answer, before creating again. Defaults to 3.</summary>
    [Range(1, 20)]
    public int CreateLookupAttempts { get; set; } = 3;

    /// <summary>Pause between those listings. Defaults to 3 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan CreateLookupDelay { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Reads confirming that a destroyed instance is gone. Defaults to 5.</summary>
    [Range(1, 50)]
    public int DestroyConfirmAttempts { get; set; } = 5;

    /// <summary>Pause between those reads. Defaults to 3 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan DestroyConfirmDelay { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Instances per listing page; Vast allows at most 25. Defaults to 25.</summary>
    [Range(1, 25)]
    public int ListPageSize { get; set; } = 25;

    /// <summary>Whether the orphan sweep runs. Defaults to true.</summary>
    public bool SweepEnabled { get; set; } = true;

    /// <summary>Time between orphan sweeps. Defaults to 5 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Age below which an unclaimed instance is left alone: its run may not have recorded it yet. Defaults to 10 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan SweepGracePeriod { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>Least time between two requests to one Vast endpoint; zero turns pacing off for it.</summary>
/// <remarks>
/// Vast answers 429 (without Retry-After) to a second call within its per-endpoint threshold, measured
/// when requests arrive. Each default is the threshold plus a quarter second, so network jitter does not
/// bring two paced requests closer than the threshold.
/// </remarks>
internal sealed class VastPacingOptions
{
    /// <summary>Offer search (10 a minute per key, so one every 6 s). Defaults to 6.25 seconds.</summary>
    public TimeSpan Search { get; set; } = TimeSpan.FromSeconds(6.25);

    /// <summary>Instance creation (threshold 4.5 s). Defaults to 4.75 seconds.</summary>
    public TimeSpan Create { get; set; } = TimeSpan.FromSeconds(4.75);

    /// <summary>Reading one instance (threshold 2 s). Defaults to 2.25 seconds.</summary>
    public TimeSpan Show { get; set; } = TimeSpan.FromSeconds(2.25);

    /// <summary>Labelling an instance. Defaults to 2.25 seconds.</summary>
    public TimeSpan Label { get; set; } = TimeSpan.FromSeconds(2.25);

    /// <summary>Listing instances (threshold 1 s). Defaults to 1.25 seconds.</summary>
    public TimeSpan List { get; set; } = TimeSpan.FromSeconds(1.25);

    /// <summary>Destroying an instance (threshold 3 s). Defaults to 3.25 seconds.</summary>
    public TimeSpan Destroy { get; set; } = TimeSpan.FromSeconds(3.25);

    /// <summary>The spacing of one endpoint.</summary>
    public TimeSpan For(Http.VastEndpoint endpoint) => endpoint switch
    {
        Http.VastEndpoint.Search => Search,
        Http.VastEndpoint.Create => Create,
        Http.VastEndpoint.Show => Show,
        Http.VastEndpoint.Label => Label,
        Http.VastEndpoint.List => List,
        Http.VastEndpoint.Destroy => Destroy,
        _ => TimeSpan.Zero,
    };
}

/// <summary>Checks <see cref="VastOptions"/> against its attributes with code generated at build time: the operator is published as Native AOT, where the reflection-based data-annotations validation cannot run.</summary>
[OptionsValidator]
internal sealed partial class VastOptionsAttributeValidator : IValidateOptions<VastOptions>;
