using LoraTrainer.Operator.Storage;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.TrainingRuns;

/// <summary>
/// Checks at start-up that a run's presigned URLs are re-issued before they expire: <c>Operator:PresignRefreshInterval</c>
/// plus <c>Operator:InstanceCheckInterval</c> must be shorter than <c>S3:PresignGetExpiry</c> and <c>S3:PresignPutExpiry</c>.
/// </summary>
/// <remarks>
/// URLs are re-issued at the first instance check after the interval, so a URL can be that much older when it is
/// replaced. An agent that fetches its config in between must not be handed an expired one.
/// </remarks>
internal sealed class PresignRefreshValidator(IOptions<S3Options> s3) : IValidateOptions<OperatorOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, OperatorOptions options)
    {
        var failures = new List<string>();
        foreach (var (key, expiry) in new[] { ("S3:PresignGetExpiry", s3.Value.PresignGetExpiry), ("S3:PresignPutExpiry", s3.Value.PresignPutExpiry) })
        {
            if (options.PresignRefreshInterval + options.InstanceCheckInterval >= expiry)
            {
                failures.Add(
                    $"{OperatorOptions.Section}:PresignRefreshInterval ({options.PresignRefreshInterval}) plus {OperatorOptions.Section}:InstanceCheckInterval " +
                    $"({options.InstanceCheckInterval}) must be shorter than {key} ({expiry}), so that a run's URLs are re-issued before they expire: " +
                    $"lower {OperatorOptions.Section}:PresignRefreshInterval or raise {key}.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
