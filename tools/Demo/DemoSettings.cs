using LoraTrainer.Testing.Trainer;

namespace LoraTrainer.Demo;

/// <summary>How the demo runs and prints.</summary>
internal sealed record DemoSettings
{
    /// <summary>How long the whole demo may take before it gives up; it normally finishes in well under a minute.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Seconds per training step of the simulated trainer. Defaults to 0.01 (ten epochs in a few seconds).</summary>
    public double StepSeconds { get; init; } = 0.01;

    /// <summary>When the demo gives up. Defaults to <see cref="DefaultTimeout"/>.</summary>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    /// <summary>
    /// Whether the output is a terminal: then the progress bar is redrawn in place with <c>\r</c>; otherwise (a
    /// file, a pipe, a CI log) each step of progress is a line of its own. Defaults to false.
    /// </summary>
    public bool Terminal { get; init; }

    /// <summary>
    /// Whether everything keeps running after the run ends, until Ctrl+C, so a person can look at the dashboard; only
    /// when someone is at a terminal to press it. Defaults to false.
    /// </summary>
    public bool StayUp { get; init; }

    /// <summary>How the simulated trainer ends. Defaults to <see cref="FakeTrainerMode.Ok"/>.</summary>
    public FakeTrainerMode TrainerMode { get; init; } = FakeTrainerMode.Ok;
}
