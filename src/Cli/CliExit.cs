using LoraTrainer.CommandLine;

namespace LoraTrainer.Cli;

/// <summary>The exit codes, as <c>--help</c> lists them.</summary>
internal static class CliExit
{
    /// <summary>Done: the run completed, or the command did what it said.</summary>
    public const int Ok = 0;

    /// <summary>The run failed or stalled, the dataset was refused, or a download did not match its checksum.</summary>
    public const int Failed = 1;

    /// <summary>A usage error, or something to fix before the command can work (no cluster, no CRD, no credentials…).</summary>
    public const int Usage = ProgramStart.BadSettings;
}
