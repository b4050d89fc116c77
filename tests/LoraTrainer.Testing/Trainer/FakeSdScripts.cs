using System.Globalization;

namespace LoraTrainer.Testing.Trainer;

/// <summary>How a fake trainer run ends.</summary>
public enum FakeTrainerMode
{
    /// <summary>Trains every epoch, saves, prints <c>model saved.</c>, exits 0.</summary>
    Ok,
    /// <summary>CUDA out of memory in the failure epoch, exit 1.</summary>
    Oom,
    /// <summary><c>avr_loss=nan</c> from the failure epoch on, and trains on until stopped.</summary>
    Nan,
    /// <summary>accelerate reports the trainer <c>died with &lt;Signals.SIGKILL: 9&gt;</c>, exit 1.</summary>
    Sigkill,
    /// <summary>The process really is killed with SIGKILL (exit code 137).</summary>
    Killed,
    /// <summary>Prints <c>No data found</c> and exits 0, as sd-scripts does.</summary>
    NoData,
    /// <summary><c>NaN detected in latents</c>, exit 1.</summary>
    NanLatents,
    /// <summary>Trains, but exits 0 without the final save and <c>model saved.</c>.</summary>
    NoModelSaved,
}

/// <summary>The fake trainer's behaviour.</summary>
public sealed record FakeTrainerSettings
{
    /// <summary>Per-epoch mean loss; the last value repeats for further epochs. Defaults to a curve whose lowest epoch is not the last.</summary>
    public IReadOnlyList<double> EpochLosses { get; init; } = [0.14, 0.11, 0.09, 0.10];

    /// <summary>
    /// Per-epoch mean validation loss, used when the arguments set <c>validation_split</c>; the last value repeats.
    /// Null: 1.1 times the training loss.
    /// </summary>
    public IReadOnlyList<double>? ValidationLosses { get; init; }

    /// <summary>How the run ends. Defaults to <see cref="FakeTrainerMode.Ok"/>.</summary>
    public FakeTrainerMode Mode { get; init; } = FakeTrainerMode.Ok;

    /// <summary>The epoch a failure mode strikes in. Defaults to 2.</summary>
    public int FailEpoch { get; init; } = 2;

    /// <summary>Seconds per training step. Defaults to 0.001.</summary>
    public double StepSeconds { get; init; } = 0.001;

    /// <summary>The prompt index whose sample image is cut short (not a valid PNG) at every sampled epoch; null for none.</summary>
    public int? SampleFailPrompt { get; init; }

    /// <summary>Seconds per sample image. Defaults to 0.</summary>
    public double SampleSeconds { get; init; }
}

/// <summary>
/// The fake sd-scripts trainer (<c>Trainer/fake_sd_scripts.py</c>, copied next to the test assemblies): reads the
/// agent's arguments and dataset TOML like sd-scripts, prints what sd-scripts prints, writes what it writes,
/// including the validation pass when the arguments hold out a <c>validation_split</c>.
/// </summary>
public static class FakeSdScripts
{
    /// <summary>The Python interpreter that runs it.</summary>
    public const string Python = "python3";

    /// <summary>The script's path in the test output folder.</summary>
    public static string ScriptPath => Path.Combine(AppContext.BaseDirectory, "Trainer", "fake_sd_scripts.py");

    /// <summary>
    /// A trainer command template for the agent (<c>Agent:TrainerCommand</c>) that runs the fake in place of
    /// <c>accelerate launch sd-scripts/…</c>, with the agent's placeholders for the script and the two TOML files.
    /// </summary>
    public static string CommandTemplate(FakeTrainerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var validation = settings.ValidationLosses is { } losses ? $" --fake_validation_losses {List(losses)}" : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"{Python} \"{ScriptPath}\" --script {{script}} --config_file {{configFile}} --dataset_config {{datasetConfig}} "
            + $"--fake_losses {List(settings.EpochLosses)}{validation} --fake_mode {ModeName(settings.Mode)} --fake_fail_epoch {settings.FailEpoch} --fake_step_seconds {settings.StepSeconds}"
            + $" --fake_sample_fail_prompt {settings.SampleFailPrompt ?? -1} --fake_sample_seconds {settings.SampleSeconds.ToString(CultureInfo.InvariantCulture)}");
    }

    private static string List(IEnumerable<double> values) => string.Join(",", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));

    private static string ModeName(FakeTrainerMode mode) => mode switch
    {
        FakeTrainerMode.Ok => "ok",
        FakeTrainerMode.Oom => "oom",
        FakeTrainerMode.Nan => "nan",
        FakeTrainerMode.Sigkill => "sigkill",
        FakeTrainerMode.Killed => "killed",
        FakeTrainerMode.NoData => "no_data",
        FakeTrainerMode.NanLatents => "nan_latents",
        FakeTrainerMode.NoModelSaved => "no_model_saved",
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };
}
