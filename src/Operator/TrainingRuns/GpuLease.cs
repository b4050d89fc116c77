using LoraTrainer.Api;
using LoraTrainer.Operator.Vast;
using LoraTrainer.Operator.Vast.Instances;
using LoraTrainer.Operator.Vast.Offers;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.TrainingRuns;

/// <summary>Renting and releasing a run's GPU instance at Vast: the only code that spends or stops spending money.</summary>
internal sealed class GpuLease(VastProvider vast, InstanceStates instances, IOptions<VastOptions> vastOptions, IOptions<OperatorOptions> options)
{
    /// <summary>The label of a run's attempt; it lets a crashed operator find (and adopt or destroy) what it created.</summary>
    public VastInstanceLabel LabelFor(TrainingRun run, int attempt) => new(vastOptions.Value.ClusterName, run.Metadata.Uid, attempt);

    /// <summary>
    /// The requirements for the next attempt: the run's GPU spec, the family's floors, what the default GPU image can drive
    /// (a run naming its own image states its CUDA floor in <c>spec.gpu.minCudaVersion</c>), minus machines that failed it.
    /// </summary>
    public OfferRequirements RequirementsFor(TrainingRun run, ModelFamily family) =>
        OfferRequirements.For(run.Spec.Gpu, family, run.Status?.ExcludedMachines, run.Spec.RunPolicy?.ActiveDeadlineSeconds,
            run.Spec.Gpu?.Image is null ? options.Value.DefaultGpuImageSupport : null);

    /// <summary>Rents (or adopts, when one with the attempt's label exists) an instance for the attempt.</summary>
    public async Task<RentResult> RentAsync(TrainingRun run, int attempt, ModelFamily family, string token, CancellationToken cancellationToken)
    {
        var gpu = run.Spec.Gpu ?? new GpuSpec();
        var requirements = RequirementsFor(run, family);
        var request = new InstanceRequest
        {
            Image = gpu.Image ?? options.Value.DefaultGpuImage,
            DiskGb = gpu.DiskGb ?? TrainingDefaults.DiskGb(family),
            Label = LabelFor(run, attempt),
            RunUrl = RunUrl(run),
            RunToken = token,
            Bid = requirements.Bid,
        };
        return await vast.RentAsync(requirements, request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The offers a dry run would choose from.</summary>
    public Task<OfferSelectionResult> PlanAsync(TrainingRun run, ModelFamily family, CancellationToken cancellationToken) =>
        vast.SearchOffersAsync(RequirementsFor(run, family), cancellationToken);

    /// <summary>Destroys the instance and waits until Vast confirms it is gone.</summary>
    public Task<bool> ReleaseAsync(string instanceId, CancellationToken cancellationToken) =>
        vast.DestroyAsync(long.Parse(instanceId, System.Globalization.CultureInfo.InvariantCulture), cancellationToken);

    /// <summary>Destroys whatever carries the attempt's label (a create whose answer was lost); true when something was found.</summary>
    public async Task<bool> ReleaseByLabelAsync(TrainingRun run, int attempt, CancellationToken cancellationToken)
    {
        var found = await vast.FindByLabelAsync(LabelFor(run, attempt).ToString(), cancellationToken).ConfigureAwait(false);
        if (found is null)
        {
            return false;
        }

        await vast.DestroyAsync(found.Id, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>The instance's health as Vast reports it, from a listing of the account shared by every run's check.</summary>
    public async Task<InstanceHealth> HealthAsync(string instanceId, CancellationToken cancellationToken) =>
        InstanceClassifier.Classify(await instances.GetAsync(
            long.Parse(instanceId, System.Globalization.CultureInfo.InvariantCulture), options.Value.InstanceCheckInterval / 2, cancellationToken).ConfigureAwait(false));

    /// <summary>The run's base URL on the receiver, as handed to the agent.</summary>
    public Uri RunUrl(TrainingRun run) =>
        new(options.Value.ReceiverUrl.TrimEnd('/') + Protocol.AgentEnvironment.RunPath(run.Metadata.NamespaceProperty, run.Metadata.Name));
}
