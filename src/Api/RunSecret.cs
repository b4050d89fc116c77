namespace LoraTrainer.Api;

/// <summary>
/// The per-run Secret the operator creates (owned by the TrainingRun, so it is deleted with it) and the receiver
/// reads: the agent's signing token and the agent config document with fresh presigned URLs.
/// </summary>
public static class RunSecret
{
    /// <summary>Key holding the per-run token (32 random bytes, base64url).</summary>
    public const string TokenKey = "token";

    /// <summary>Key holding the agent config document (JSON).</summary>
    public const string ConfigKey = "config.json";

    /// <summary>Label marking the Secret as a run's, with the run's name as value.</summary>
    public const string RunLabel = "loratrainer.io/run";

    /// <summary>The Secret's name for a run.</summary>
    public static string NameFor(string runName) => $"{runName}-agent";
}
