using System.ComponentModel.DataAnnotations;

namespace LoraTrainer.Api;

/// <summary>Requirements an offer must meet to be rented. Unset fields take the family's floor.</summary>
public sealed record GpuSpec
{
    /// <summary>Acceptable GPU models as Vast names them, e.g. <c>RTX 4090</c>, <c>RTX A6000</c>. Empty accepts any.</summary>
    [ItemCount(0, 32)]
    public List<string>? GpuNames { get; init; }

    /// <summary>Number of GPUs. Defaults to 1.</summary>
    [Range(1, 8)]
    public int NumGpus { get; set; } = 1;

    /// <summary>Minimum memory per GPU in GB. Defaults to the family's floor (12 for SD 1.5, 16 for SDXL, 24 for Flux).</summary>
    [Range(4, 192)]
    public int? MinGpuRamGb { get; init; }

    /// <summary>Highest acceptable total price in USD per hour (GPU plus storage). Defaults to 1.00.</summary>
    [Range(0.001, 100)]
    public double MaxPricePerHour { get; set; } = 1.0;

    /// <summary>Minimum host reliability score (0–1). Defaults to 0.95.</summary>
    [Range(0, 1)]
    public double MinReliability { get; set; } = 0.95;

    /// <summary>Disk to allocate in GB. Defaults to the family's need (40 for SD 1.5, 60 for SDXL, 100 for Flux).</summary>
    [Range(10, 2048)]
    public int? DiskGb { get; init; }

    /// <summary>Minimum download bandwidth in Mbps. Defaults to 200.</summary>
    [Range(1, 100000)]
    public int MinInetDownMbps { get; set; } = 200;

    /// <summary>Minimum CUDA version the host driver supports, e.g. <c>12.1</c>. Defaults to 12.1.</summary>
    [RegularExpression(@"^\d+\.\d+$")]
    public string MinCudaVersion { get; set; } = "12.1";

    /// <summary>Acceptable host countries as ISO 3166 two-letter codes. Empty accepts any.</summary>
    public List<string>? Countries { get; init; }

    /// <summary>
    /// Rent interruptible (bid) instances: cheaper, but Vast pauses one when it is outbid; the run waits
    /// <c>runPolicy.deadlines.interrupted</c> for it to resume, then rents again. Defaults to false.
    /// </summary>
    public bool Interruptible { get; init; }

    /// <summary>
    /// For an interruptible run, how far above an offer's <c>min_bid</c> to bid, in percent; the bid plus the disk's
    /// storage stays within <see cref="MaxPricePerHour"/>: a margin keeps the next small bid from pausing the instance.
    /// Offers whose <c>min_bid</c> plus storage is over the cap are skipped. Defaults to 10.
    /// </summary>
    [Range(0, 500)]
    public int BidMarginPercent { get; set; } = 10;

    /// <summary>Overrides the operator's default GPU image.</summary>
    [StringLength(1024)]
    public string? Image { get; init; }
}
