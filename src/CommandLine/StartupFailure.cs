namespace LoraTrainer.CommandLine;

/// <summary>
/// A program cannot start, for a reason its user can fix: <see cref="Exception.Message"/> is the one line that says
/// which setting and what to do. <see cref="ProgramStart"/> prints it and exits with code 2.
/// </summary>
public sealed class StartupFailure : Exception
{
    /// <summary>A failure described by <paramref name="message"/>, one line, naming the setting to fix.</summary>
    public StartupFailure(string message) : base(message)
    {
    }

    /// <summary>Required by the exception pattern; prefer the constructor with a message.</summary>
    public StartupFailure() : base("the program cannot start")
    {
    }

    /// <summary>A failure described by <paramref name="message"/>, caused by <paramref name="innerException"/>.</summary>
    public StartupFailure(string message, Exception innerException) : base(message, innerException)
    {
    }
}
