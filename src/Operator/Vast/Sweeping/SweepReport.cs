namespace LoraTrainer.Operator.Vast.Sweeping;

/// <summary>What one orphan sweep saw and did.</summary>
/// <param name="Listed">Instances on the account.</param>
/// <param name="Ours">Instances labelled for this cluster.</param>
/// <param name="Claimed">Ours and owned by a live run.</param>
/// <param name="Young">Ours, unclaimed, but within the grace period.</param>
/// <param name="Destroyed">Orphans destroyed (ids).</param>
/// <param name="Failed">Orphans that could not be destroyed this time (ids).</param>
/// <param name="Skipped">True when the sweep did nothing because claims were not loaded.</param>
internal sealed record SweepReport(int Listed, int Ours, int Claimed, int Young, IReadOnlyList<long> Destroyed, IReadOnlyList<long> Failed, bool Skipped)
{
    /// <summary>The report of a sweep skipped because claims were not loaded yet.</summary>
    public static SweepReport NotSynced { get; } = new(0, 0, 0, 0, [], [], Skipped: true);
}
