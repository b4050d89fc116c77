using LoraTrainer.Testing.Vast;

namespace LoraTrainer.Benchmarks.Money;

/// <summary>
/// Spaces a measurement's runs so that each rent starts on a quiet Vast client: the operator lets a create through
/// at least <see cref="CreateSpacing"/> after the previous answer (Vast refuses faster creates), and a run applied
/// sooner would measure that wait instead of the operator's reaction.
/// </summary>
internal static class PacingGuard
{
    /// <summary>The operator's default create pacing (4.75 s) plus a margin.</summary>
    public static readonly TimeSpan CreateSpacing = TimeSpan.FromSeconds(5);

    /// <summary>Waits until the last create recorded by <paramref name="vast"/> is <see cref="CreateSpacing"/> old.</summary>
    public static async Task WaitForQuietCreateAsync(VastSimulator vast, CancellationToken cancellationToken)
    {
        if (vast.RequestsTo(VastRoute.Create) is [.., var last])
        {
            var wait = last.At + CreateSpacing - TimeProvider.System.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, TimeProvider.System, cancellationToken);
            }
        }
    }
}
