using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.Vast.Credentials;

/// <summary>The key of the current <see cref="VastApiKeyScope"/>, else the operator-wide key from <c>Vast:ApiKeyFile</c> (read on every use, so rotation needs no restart) or <c>Vast:ApiKey</c>.</summary>
internal sealed class ConfiguredVastApiKeyProvider(IOptionsMonitor<VastOptions> options) : IVastApiKeyProvider
{
    public async ValueTask<VastApiKey> GetApiKeyAsync(CancellationToken cancellationToken)
    {
        if (VastApiKeyScope.Current is { } scoped)
        {
            return scoped;
        }

        var current = options.CurrentValue;
        if (!string.IsNullOrWhiteSpace(current.ApiKeyFile))
        {
            var source = current.ApiKeySecret is { } secret ? $"secret {secret}" : $"file {current.ApiKeyFile}";
            string text;
            try
            {
                text = await File.ReadAllTextAsync(current.ApiKeyFile, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException exception)
            {
                throw new VastAuthenticationException($"The Vast API key in {source} cannot be read: {exception.Message}", source);
            }

            return Usable(text, source);
        }

        var configured = current.ApiKeySecret is { } name ? $"secret {name}" : "configuration key Vast:ApiKey";
        return Usable(current.ApiKey, configured);
    }

    private static VastApiKey Usable(string? key, string source) => string.IsNullOrWhiteSpace(key)
        ? throw new VastAuthenticationException($"The Vast API key in {source} is empty; set it to the key from the Vast console", source)
        : new VastApiKey(key.Trim(), source);
}
