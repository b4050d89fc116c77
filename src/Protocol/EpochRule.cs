namespace LoraTrainer.Protocol;

/// <summary>An epoch chosen by <see cref="EpochRule.Choose{T}"/>, and the loss that chose it.</summary>
/// <typeparam name="T">How the caller holds an epoch's losses.</typeparam>
/// <param name="Epoch">The chosen epoch.</param>
/// <param name="Metric">One of <see cref="SelectionMetrics"/>.</param>
public sealed record EpochPick<T>(T Epoch, string Metric);

/// <summary>
/// The one rule that chooses the epoch a run keeps: the agent applies it at the end of training (and when it is told to
/// finish early), the operator when it finishes a run between attempts from the epochs already in the bucket.
/// </summary>
public static class EpochRule
{
    /// <summary>
    /// The epoch with the lowest <paramref name="loss"/>; epochs whose loss is missing, NaN or infinite are never chosen,
    /// and on a tie the later epoch wins (it has seen the data more often for the same loss). Null when none qualifies.
    /// </summary>
    public static T? Lowest<T>(IEnumerable<T> epochs, Func<T, int> epoch, Func<T, double?> loss) where T : class =>
        epochs.Select(e => (Epoch: e, Loss: loss(e)))
            .Where(e => e.Loss is { } value && double.IsFinite(value))
            .OrderBy(e => e.Loss)
            .ThenByDescending(e => epoch(e.Epoch))
            .Select(e => e.Epoch)
            .FirstOrDefault();

    /// <summary>
    /// The epoch to keep. When <paramref name="byValidation"/> is set (the run holds out a validation split), the epoch
    /// with the lowest validation loss among the validated epochs: it measures images the LoRA was not trained on, so it
    /// is the better signal. Otherwise, or when no epoch has a usable validation loss, the lowest training loss. Null
    /// when no epoch qualifies.
    /// </summary>
    public static EpochPick<T>? Choose<T>(IEnumerable<T> epochs, bool byValidation, Func<T, int> epoch, Func<T, double?> trainingLoss, Func<T, double?> validationLoss)
        where T : class
    {
        var candidates = epochs as IReadOnlyCollection<T> ?? [.. epochs];
        if (byValidation && Lowest(candidates, epoch, validationLoss) is { } validated)
        {
            return new EpochPick<T>(validated, SelectionMetrics.ValidationLoss);
        }

        return Lowest(candidates, epoch, trainingLoss) is { } trained ? new EpochPick<T>(trained, SelectionMetrics.TrainingLoss) : null;
    }
}
