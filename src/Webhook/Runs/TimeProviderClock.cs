using Microsoft.Extensions.Internal;

namespace LoraTrainer.Webhook.Runs;

/// <summary>The memory cache's clock, read from the injected <see cref="TimeProvider"/> so expiry follows the same time as everything else.</summary>
internal sealed class TimeProviderClock(TimeProvider time) : ISystemClock
{
    /// <inheritdoc />
    public DateTimeOffset UtcNow => time.GetUtcNow();
}
