namespace LoraTrainer.Agent.Training.Output;

/// <summary>Something the trainer said that matters to the agent; one per console line at most.</summary>
internal abstract record TrainerSignal;

/// <summary><c>num epochs / epoch数: N</c>.</summary>
internal sealed record EpochCountAnnounced(int Epochs) : TrainerSignal;

/// <summary><c>total optimization steps / 学習ステップ数: N</c>.</summary>
internal sealed record TotalStepsAnnounced(long Steps) : TrainerSignal;

/// <summary>A redraw of the training progress bar (<c>steps: 10%|█ | 195/1950 [31:37&lt;4:44:34, 9.73s/it, avr_loss=0.126]</c>).</summary>
/// <param name="Percent">tqdm's percent.</param>
/// <param name="Step">Steps done.</param>
/// <param name="TotalSteps">Steps in the whole run.</param>
/// <param name="Elapsed">Time so far, when shown.</param>
/// <param name="Remaining">tqdm's estimate of the time left, when shown.</param>
/// <param name="AverageLoss">The moving mean loss of the current epoch (may be NaN), when shown.</param>
internal sealed record StepProgress(int Percent, long Step, long TotalSteps, TimeSpan? Elapsed, TimeSpan? Remaining, double? AverageLoss) : TrainerSignal;

/// <summary>
/// A redraw of the end-of-epoch validation bar (<c>epoch validation steps: 100%|█| 8/8 [00:04&lt;00:00, val_epoch_avg_loss=0.0812, timestep=800]</c>),
/// drawn when the run holds out a validation split.
/// </summary>
/// <param name="Step">Validation steps done.</param>
/// <param name="TotalSteps">Validation steps in this pass.</param>
/// <param name="AverageLoss">The mean validation loss of this pass so far, when shown.</param>
internal sealed record EpochValidationProgress(long Step, long TotalSteps, double? AverageLoss) : TrainerSignal;

/// <summary><c>epoch N/M</c>: epoch N starts.</summary>
internal sealed record EpochStarted(int Epoch, int TotalEpochs) : TrainerSignal;

/// <summary><c>saving checkpoint: PATH</c>.</summary>
internal sealed record CheckpointSaving(string Path) : TrainerSignal;

/// <summary><c>generating sample images at step / …</c>: a round of sample images starts.</summary>
internal sealed record SamplingStarted : TrainerSignal;

/// <summary><c>model saved.</c>: the final file is written.</summary>
internal sealed record ModelSaved : TrainerSignal;

/// <summary>A line that means the run has failed.</summary>
internal sealed record FailureSeen(TrainerFailure Failure, string Line) : TrainerSignal;
