using LoraTrainer.Agent.Training.Output;

namespace LoraTrainer.Agent.Training.Samples;

/// <summary>
/// Times sd-scripts' sampling rounds, so the reported ETA counts the rounds still to come: tqdm's estimate covers the
/// training steps only, and a round of several large images can take as long as an epoch.
/// </summary>
/// <remarks>
/// A round starts at <c>generating sample images at step</c> and ends at the next line that belongs to training
/// (a progress redraw, an epoch start, a checkpoint save, <c>model saved.</c>). Until one round is timed, nothing is added.
/// </remarks>
internal sealed class SampleClock(IReadOnlyList<int> sampledEpochs)
{
    private DateTimeOffset? _roundStarted;
    private TimeSpan _timed;
    private int _rounds;

    /// <summary>The mean time of the rounds timed so far; null before the first.</summary>
    public TimeSpan? MeanRound => _rounds == 0 ? null : _timed / _rounds;

    /// <summary>Applies one trainer signal seen at <paramref name="now"/>.</summary>
    public void Observe(TrainerSignal signal, DateTimeOffset now)
    {
        switch (signal)
        {
            case SamplingStarted:
                _roundStarted ??= now;
                break;
            case StepProgress or EpochStarted or CheckpointSaving or ModelSaved when _roundStarted is { } started:
                _timed += now - started;
                _rounds++;
                _roundStarted = null;
                break;
        }
    }

    /// <summary>The seconds the rounds at or after <paramref name="currentEpoch"/>'s end will take, at the mean so far.</summary>
    public long RemainingSeconds(int currentEpoch) =>
        MeanRound is { } mean ? (long)(mean.TotalSeconds * sampledEpochs.Count(e => e >= currentEpoch)) : 0;
}
