namespace LoraTrainer.Agent.Training.Checkpoints;

/// <summary>One epoch's mean loss, and where that number came from.</summary>
/// <param name="Epoch">The epoch, from 1.</param>
/// <param name="Loss">Its mean training loss.</param>
/// <param name="Source">Where the loss was read: <see cref="LossSources.TensorBoard"/> or <see cref="LossSources.Console"/>.</param>
internal sealed record EpochLoss(int Epoch, double Loss, string Source);

/// <summary>Where a per-epoch loss was read.</summary>
internal static class LossSources
{
    /// <summary>The TensorBoard epoch scalar, full precision.</summary>
    public const string TensorBoard = "tensorboard";
    /// <summary>The last <c>avr_loss</c> printed in the epoch, 3 significant digits.</summary>
    public const string Console = "console";
}

/// <summary>Chooses the epoch to keep.</summary>
internal static class BestEpoch
{
    /// <summary>
    /// The epoch with the lowest per-epoch mean loss; epochs whose loss is NaN or infinite are never chosen, and
    /// on a tie the later epoch wins (it has seen the data more often for the same loss). Null when no epoch qualifies.
    /// </summary>
    public static EpochLoss? Select(IEnumerable<EpochLoss> epochs) =>
        epochs.Where(e => double.IsFinite(e.Loss))
            .OrderBy(e => e.Loss)
            .ThenByDescending(e => e.Epoch)
            .FirstOrDefault();

    /// <summary>
    /// Per-epoch losses for epochs 1..<paramref name="totalEpochs"/>: the TensorBoard value when logged, else the console value.
    /// </summary>
    public static IReadOnlyList<EpochLoss> Merge(int totalEpochs, IReadOnlyDictionary<int, double> tensorBoard, IReadOnlyDictionary<int, double> console)
    {
        var merged = new List<EpochLoss>();
        for (var epoch = 1; epoch <= totalEpochs; epoch++)
        {
            if (tensorBoard.TryGetValue(epoch, out var full))
            {
                merged.Add(new EpochLoss(epoch, full, LossSources.TensorBoard));
            }
            else if (console.TryGetValue(epoch, out var printed))
            {
                merged.Add(new EpochLoss(epoch, printed, LossSources.Console));
            }
        }

        return merged;
    }
}
