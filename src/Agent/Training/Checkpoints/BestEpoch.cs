using LoraTrainer.Agent.Training.TensorBoard;
using LoraTrainer.Protocol;

namespace LoraTrainer.Agent.Training.Checkpoints;

/// <summary>One epoch's mean loss, and where that number came from.</summary>
/// <param name="Epoch">The epoch, from 1.</param>
/// <param name="Loss">Its mean training loss.</param>
/// <param name="Source">Where the loss was read: <see cref="LossSources.TensorBoard"/> or <see cref="LossSources.Console"/>.</param>
/// <param name="ValidationLoss">Its mean validation loss, when the run validates and validated this epoch.</param>
internal sealed record EpochLossReading(int Epoch, double Loss, string Source, double? ValidationLoss = null)
{
    /// <summary>The epoch's value of <paramref name="metric"/> (one of <see cref="SelectionMetrics"/>).</summary>
    public double LossBy(string metric) => metric == SelectionMetrics.ValidationLoss && ValidationLoss is { } validation ? validation : Loss;
}

/// <summary>Where a per-epoch loss was read.</summary>
internal static class LossSources
{
    /// <summary>The TensorBoard epoch scalar, full precision.</summary>
    public const string TensorBoard = "tensorboard";
    /// <summary>The last <c>avr_loss</c> printed in the epoch, 3 significant digits.</summary>
    public const string Console = "console";
    /// <summary>Status, as an earlier attempt reported the epoch before this one continued from its saved state.</summary>
    public const string EarlierAttempt = "earlier attempt";
}

/// <summary>The chosen epoch and the per-epoch loss that chose it.</summary>
/// <param name="Epoch">The epoch.</param>
/// <param name="Metric">One of <see cref="SelectionMetrics"/>.</param>
internal sealed record EpochChoice(EpochLossReading Epoch, string Metric)
{
    /// <summary>The chosen epoch's value of <see cref="Metric"/>.</summary>
    public double Loss => Epoch.LossBy(Metric);
}

/// <summary>Chooses the epoch to keep.</summary>
internal static class BestEpoch
{
    /// <summary>The epoch with the lowest mean training loss, by the run's one rule (<see cref="EpochRule.Lowest{T}"/>); null when none qualifies.</summary>
    public static EpochLossReading? Select(IEnumerable<EpochLossReading> epochs) => EpochRule.Lowest(epochs, e => e.Epoch, e => e.Loss);

    /// <summary>The epoch to keep, by validation loss when <paramref name="byValidation"/> (<see cref="EpochRule.Choose{T}"/>); null when none qualifies.</summary>
    public static EpochChoice? Choose(IReadOnlyList<EpochLossReading> epochs, bool byValidation) =>
        EpochRule.Choose(epochs, byValidation, e => e.Epoch, e => e.Loss, e => e.ValidationLoss) is { } pick ? new EpochChoice(pick.Epoch, pick.Metric) : null;

    /// <summary>
    /// Per-epoch losses for epochs 1..<paramref name="totalEpochs"/>: the TensorBoard value when logged, else the console value.
    /// </summary>
    public static IReadOnlyList<EpochLossReading> Merge(int totalEpochs, IReadOnlyDictionary<int, double> tensorBoard, IReadOnlyDictionary<int, double> console) =>
        Merge(totalEpochs, new EpochLosses(tensorBoard, new Dictionary<int, double>()), console, new Dictionary<int, double>());

    /// <summary>
    /// Per-epoch training and validation losses for epochs 1..<paramref name="totalEpochs"/>, each the TensorBoard
    /// value when logged, else the console value. An epoch without a training loss is left out.
    /// </summary>
    public static IReadOnlyList<EpochLossReading> Merge(int totalEpochs, EpochLosses tensorBoard, IReadOnlyDictionary<int, double> console, IReadOnlyDictionary<int, double> consoleValidation)
    {
        var merged = new List<EpochLossReading>();
        for (var epoch = 1; epoch <= totalEpochs; epoch++)
        {
            var validation = tensorBoard.Validation.TryGetValue(epoch, out var fullValidation) ? fullValidation
                : consoleValidation.TryGetValue(epoch, out var printedValidation) ? printedValidation
                : (double?)null;
            if (tensorBoard.Training.TryGetValue(epoch, out var full))
            {
                merged.Add(new EpochLossReading(epoch, full, LossSources.TensorBoard, validation));
            }
            else if (console.TryGetValue(epoch, out var printed))
            {
                merged.Add(new EpochLossReading(epoch, printed, LossSources.Console, validation));
            }
        }

        return merged;
    }

    /// <summary>
    /// The run's whole curve: the epochs trained here, and before them the epochs an earlier attempt kept that were
    /// not trained again here (a machine restarted in place keeps its own logs of them, which win). The second list
    /// is the earlier epochs taken, whose files are in the bucket only.
    /// </summary>
    public static (IReadOnlyList<EpochLossReading> Epochs, IReadOnlyList<EpochDownload> Taken) WithEarlier(IReadOnlyList<EpochLossReading> trained, IReadOnlyList<EpochDownload> earlier)
    {
        var taken = earlier.Where(e => e.Epoch >= 1 && trained.All(t => t.Epoch != e.Epoch)).GroupBy(e => e.Epoch).Select(g => g.Last()).ToList();
        var epochs = taken.Select(e => new EpochLossReading(e.Epoch, e.Loss, LossSources.EarlierAttempt, e.ValidationLoss))
            .Concat(trained)
            .OrderBy(e => e.Epoch)
            .ToList();
        return (epochs, taken);
    }
}
