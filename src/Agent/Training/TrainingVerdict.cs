using LoraTrainer.Agent.Training.Output;

namespace LoraTrainer.Agent.Training;

/// <summary>Decides whether a finished trainer run succeeded.</summary>
internal static class TrainingVerdict
{
    /// <summary>Exit code of a process killed by SIGKILL (128 + 9).</summary>
    public const int SigKillExitCode = 137;

    /// <summary>Exit code of a shell asked to run a program it cannot find.</summary>
    public const int CommandNotFoundExitCode = 127;

    /// <summary>Exit code of a shell asked to run a file that is not executable.</summary>
    public const int CommandNotExecutableExitCode = 126;

    /// <summary>
    /// Null on success: exit code 0, <c>model saved.</c> printed, and the final file present. Otherwise what failed,
    /// preferring the cause printed by the trainer over the exit code (sd-scripts exits 0 after "No data found").
    /// </summary>
    public static string? Failure(int exitCode, TrainingMonitor monitor, bool finalFileExists, string finalFileName)
    {
        if (monitor.Failure is { } seen && (seen.Failure != TrainerFailure.NonZeroExit || exitCode != 0))
        {
            return seen.Failure.Reason;
        }

        if (exitCode == SigKillExitCode)
        {
            return TrainerFailure.Killed.Reason;
        }

        if (exitCode is CommandNotFoundExitCode or CommandNotExecutableExitCode)
        {
            // The shell that starts the trainer answers so when the program in Agent:TrainerCommand is missing.
            return $"The trainer command could not be started (exit code {exitCode}: {(exitCode == CommandNotFoundExitCode ? "not found" : "not executable")}); check Agent:TrainerCommand and the image.";
        }

        if (exitCode != 0)
        {
            return $"The trainer exited with code {exitCode}; see the log tail.";
        }

        if (!monitor.ModelSaved)
        {
            return "The trainer exited 0 without printing \"model saved.\"; training did not finish.";
        }

        return finalFileExists ? null : $"The trainer said \"model saved.\" but the final file {finalFileName} is missing.";
    }
}
