using LoraTrainer.Protocol;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Agent.Configuration;

/// <summary>Checks the start-up settings; each message names the variable or key to fix and never echoes a value.</summary>
internal sealed class AgentOptionsValidator : IValidateOptions<AgentOptions>
{
    public ValidateOptionsResult Validate(string? name, AgentOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.RunUrl))
        {
            failures.Add($"{AgentEnvironment.RunUrl} is not set (it must hold the run's receiver URL)");
        }
        else if (!Uri.TryCreate(options.RunUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            failures.Add($"{AgentEnvironment.RunUrl} is not an absolute http(s) URL");
        }

        if (string.IsNullOrWhiteSpace(options.RunToken))
        {
            failures.Add($"{AgentEnvironment.RunToken} is not set (it must hold the run's signing token)");
        }

        if (string.IsNullOrWhiteSpace(options.WorkDirectory))
        {
            failures.Add($"{AgentOptions.Section}:WorkDirectory must not be empty");
        }

        if (options.TransferAttempts < 1)
        {
            failures.Add($"{AgentOptions.Section}:TransferAttempts must be at least 1");
        }

        if (options.TransferStallTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{AgentOptions.Section}:TransferStallTimeout must be positive");
        }

        if (options.MaxZipEntries < 1 || options.MaxZipBytes < 1)
        {
            failures.Add($"{AgentOptions.Section}:MaxZipEntries and {AgentOptions.Section}:MaxZipBytes must be positive");
        }

        if (options.RetryBaseDelay <= TimeSpan.Zero || options.RetryMaxDelay < options.RetryBaseDelay)
        {
            failures.Add($"{AgentOptions.Section}:RetryBaseDelay must be positive and not above {AgentOptions.Section}:RetryMaxDelay");
        }

        if (options.SelfDestructWindow <= TimeSpan.Zero || options.WatchdogInterval <= TimeSpan.Zero || options.WatchdogInterval > options.SelfDestructWindow)
        {
            failures.Add($"{AgentOptions.Section}:WatchdogInterval and {AgentOptions.Section}:SelfDestructWindow must be positive, the interval not above the window");
        }

        if (!Uri.TryCreate(options.VastBaseUrl, UriKind.Absolute, out var vast) || (vast.Scheme != Uri.UriSchemeHttps && vast.Scheme != Uri.UriSchemeHttp))
        {
            failures.Add($"{AgentOptions.Section}:VastBaseUrl is not an absolute http(s) URL");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
