namespace LoraTrainer.Protocol;

/// <summary>The only two environment values a GPU instance is given (Vast limits each to 256 characters).</summary>
public static class AgentEnvironment
{
    /// <summary>The run's base URL on the receiver, e.g. <c>https://hooks.example.com/v1/runs/ml-team/portrait-sdxl</c>.</summary>
    public const string RunUrl = "LORATRAINER_RUN_URL";

    /// <summary>The per-run token; never sent over the wire, only used to sign.</summary>
    public const string RunToken = "LORATRAINER_RUN_TOKEN";

    /// <summary>The receiver path of a run: <c>/v1/runs/{namespace}/{name}</c>.</summary>
    public static string RunPath(string @namespace, string name) => $"/v1/runs/{@namespace}/{name}";
}
