using Microsoft.Extensions.Logging;

namespace LoraTrainer.Agent.Training.Samples;

/// <summary>Log messages of the sample images.</summary>
internal static partial class SampleLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Sample {Prompt} of epoch {Epoch} is reported failed: {Problem}; training goes on")]
    public static partial void Failed(ILogger logger, int epoch, int prompt, string problem);
}
