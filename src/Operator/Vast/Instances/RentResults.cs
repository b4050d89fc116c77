using LoraTrainer.Operator.Vast.Api;
using LoraTrainer.Operator.Vast.Offers;

namespace LoraTrainer.Operator.Vast.Instances;

/// <summary>A rented instance: what <c>status.gpu</c> records, and whether it was found by its label rather than a create answer.</summary>
internal sealed record RentedInstance(long InstanceId, long? OfferId, long? MachineId, string? GpuName, int? NumGpus, double? PricePerHour, bool FoundByLabel)
{
    /// <summary>What its disk alone costs per hour (<see cref="VastOffer.StoragePerHour"/>); null when not known.</summary>
    public double? StoragePricePerHour { get; init; }

    /// <summary>An instance created from <paramref name="offer"/> with <paramref name="diskGb"/> GB of disk at <paramref name="pricePerHour"/>.</summary>
    public static RentedInstance FromOffer(long instanceId, VastOffer offer, int diskGb, double pricePerHour, bool foundByLabel) =>
        new(instanceId, offer.Id, offer.MachineId, offer.GpuName, offer.NumGpus, pricePerHour, foundByLabel) { StoragePricePerHour = offer.StoragePerHour(diskGb) };

    /// <summary>An instance that already existed under the label (e.g. rented before a restart).</summary>
    public static RentedInstance FromInstance(VastInstance instance) =>
        new(instance.Id, null, instance.MachineId, instance.GpuName, instance.NumGpus, instance.DphTotal, FoundByLabel: true);

    /// <summary>How <c>status.message</c> describes it.</summary>
    public string Describe() => PricePerHour is double price
        ? $"{GpuName ?? "GPU"} at {OfferSummary.Dollars(price)}/h on machine {MachineId}"
        : $"{GpuName ?? "GPU"} on machine {MachineId}";
}

/// <summary>The result of trying a ranked list of offers: an instance, or every offer taken before it could be rented.</summary>
internal sealed record CreateInstanceResult(RentedInstance? Instance, IReadOnlyList<long> TakenOffers)
{
    /// <summary>An instance was rented.</summary>
    public static CreateInstanceResult Created(RentedInstance instance, IReadOnlyList<long> taken) => new(instance, taken);

    /// <summary>Every offer was gone; search again.</summary>
    public static CreateInstanceResult AllTaken(IReadOnlyList<long> taken) => new(null, taken);
}

/// <summary>The result of renting for a run: the instance, or the selection explaining why nothing could be rented.</summary>
internal sealed record RentResult(RentedInstance? Instance, OfferSelectionResult? Selection, string Message)
{
    /// <summary>An instance was rented (or already existed under the label, then without a selection).</summary>
    public static RentResult Rented(RentedInstance instance, OfferSelectionResult? selection) => new(instance, selection, $"rented {instance.Describe()}");

    /// <summary>Nothing suitable could be rented.</summary>
    public static RentResult NoOffer(OfferSelectionResult selection, string message) => new(null, selection, message);
}
