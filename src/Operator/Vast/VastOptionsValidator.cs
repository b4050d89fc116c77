using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.Vast;

/// <summary>Cross-field rules of <see cref="VastOptions"/>; every message names the configuration key to fix.</summary>
internal sealed class VastOptionsValidator : IValidateOptions<VastOptions>
{
    public ValidateOptionsResult Validate(string? name, VastOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ApiKey) && string.IsNullOrWhiteSpace(options.ApiKeyFile))
        {
            failures.Add("Vast:ApiKey or Vast:ApiKeyFile must be set (the Vast.ai API key, usually from a Secret).");
        }

        if (!options.BaseUrl.IsAbsoluteUri || options.BaseUrl.Scheme is not ("https" or "http"))
        {
            failures.Add($"Vast:BaseUrl must be an absolute http(s) URL; got '{options.BaseUrl}'.");
        }

        if (options.TotalTimeout < options.AttemptTimeout)
        {
            failures.Add("Vast:TotalTimeout must be at least Vast:AttemptTimeout.");
        }

        if (options.RetryMaxDelay < options.RetryBaseDelay)
        {
            failures.Add("Vast:RetryMaxDelay must be at least Vast:RetryBaseDelay.");
        }

        foreach (var (key, value) in PacingValues(options.Pacing))
        {
            if (value < TimeSpan.Zero || value > TimeSpan.FromMinutes(1))
            {
                failures.Add($"Vast:Pacing:{key} must be between 0 and 1 minute; got {value}.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static IEnumerable<(string Key, TimeSpan Value)> PacingValues(VastPacingOptions pacing) =>
    [
        (nameof(pacing.Search), pacing.Search),
        (nameof(pacing.Create), pacing.Create),
        (nameof(pacing.Show), pacing.Show),
        (nameof(pacing.Label), pacing.Label),
        (nameof(pacing.List), pacing.List),
        (nameof(pacing.Destroy), pacing.Destroy),
    ];
}
