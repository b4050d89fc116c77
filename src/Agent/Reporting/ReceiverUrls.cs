using LoraTrainer.Agent.Configuration;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Agent.Reporting;

/// <summary>The receiver URLs of this run, derived from <c>LORATRAINER_RUN_URL</c>.</summary>
internal sealed class ReceiverUrls(IOptions<AgentOptions> options)
{
    /// <summary>The name of the signed HTTP client that talks to the receiver.</summary>
    public const string HttpClientName = "receiver";

    /// <summary><c>GET {run}/config</c>.</summary>
    public Uri Config => new(options.Value.RunUrl.TrimEnd('/') + "/config");

    /// <summary><c>POST {run}/events</c>.</summary>
    public Uri Events => new(options.Value.RunUrl.TrimEnd('/') + "/events");
}
