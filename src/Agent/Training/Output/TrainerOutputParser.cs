using System.Globalization;
using System.Text.RegularExpressions;

namespace LoraTrainer.Agent.Training.Output;

/// <summary>
/// Recognises the sd-scripts console lines the agent acts on. Pure: one clean line (see <see cref="ConsoleText"/>)
/// in, at most one signal out. Tolerates logging prefixes and suffixes, other tqdm postfix keys before
/// <c>avr_loss</c>, scientific notation and <c>nan</c>. Of the validation bars, the end-of-epoch one
/// (<c>epoch validation steps</c>) is read for its <c>val_epoch_avg_loss</c>; the every-N-steps one is ignored.
/// </summary>
internal static partial class TrainerOutputParser
{
    private static readonly (Regex Pattern, TrainerFailure Failure)[] Failures =
    [
        (CudaOom(), TrainerFailure.CudaOutOfMemory),
        (SigKill(), TrainerFailure.Killed),
        (NanLatents(), TrainerFailure.NanLatents),
        (MultipleInvalid(), TrainerFailure.DatasetConfigInvalid),
        (Unrecognized(), TrainerFailure.UnrecognizedArguments),
        (TextEncoderCaching(), TrainerFailure.TextEncoderCaching),
        (NoData(), TrainerFailure.NoData),
        (NonZeroExit(), TrainerFailure.NonZeroExit),
    ];

    /// <summary>The signal in <paramref name="line"/>, or null for a line that does not matter.</summary>
    public static TrainerSignal? Parse(string line)
    {
        // sd-scripts echoes each sample prompt before rendering it: the user's free text, which may read like anything.
        if (SamplePromptEcho().IsMatch(line))
        {
            return null;
        }

        foreach (var (pattern, failure) in Failures)
        {
            if (pattern.IsMatch(line))
            {
                return new FailureSeen(failure, line);
            }
        }

        if (Bar().Match(line) is { Success: true } bar)
        {
            return ParseBar(bar);
        }

        if (EpochStart().Match(line) is { Success: true } epoch)
        {
            return new EpochStarted(Int(epoch.Groups["n"].Value), Int(epoch.Groups["total"].Value));
        }

        if (Saving().Match(line) is { Success: true } saving)
        {
            return new CheckpointSaving(saving.Groups["path"].Value);
        }

        if (Saved().IsMatch(line))
        {
            return new ModelSaved();
        }

        if (line.Contains("generating sample images at step", StringComparison.Ordinal))
        {
            return new SamplingStarted();
        }

        if (EpochCount().Match(line) is { Success: true } epochs)
        {
            return new EpochCountAnnounced(Int(epochs.Groups[1].Value));
        }

        return TotalSteps().Match(line) is { Success: true } steps
            ? new TotalStepsAnnounced(long.Parse(steps.Groups[1].Value, CultureInfo.InvariantCulture))
            : null;
    }

    /// <summary>Parses a number as tqdm prints it with 3 significant digits: <c>0.126</c>, <c>9.5e-5</c>, <c>nan</c>.</summary>
    public static double? ParseLoss(string text) =>
        text.Equals("nan", StringComparison.OrdinalIgnoreCase) ? double.NaN
        : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value
        : null;

    private static TrainerSignal? ParseBar(Match bar)
    {
        var label = bar.Groups["label"].Value.Trim();
        var step = long.Parse(bar.Groups["step"].Value, CultureInfo.InvariantCulture);
        var total = long.Parse(bar.Groups["total"].Value, CultureInfo.InvariantCulture);

        // "validation steps:" (every N steps) and "epoch validation steps:" (end of each epoch) are bars over the
        // validation set; only the end-of-epoch pass gives the epoch's validation mean.
        if (label.Contains("validation", StringComparison.OrdinalIgnoreCase))
        {
            return label.Equals("epoch validation", StringComparison.OrdinalIgnoreCase)
                ? new EpochValidationProgress(step, total, Postfix("val_epoch_avg_loss", bar))
                : null;
        }

        return new StepProgress(
            Int(bar.Groups["percent"].Value),
            step,
            total,
            Duration(bar.Groups["elapsed"].Value),
            Duration(bar.Groups["remaining"].Value),
            Postfix("avr_loss", bar));
    }

    // tqdm's postfix is "key=value" pairs; other keys may come before or after the one wanted.
    private static double? Postfix(string key, Match bar) =>
        PostfixNumber().Matches(bar.Groups["postfix"].Value)
            .Where(pair => pair.Groups["key"].Value == key)
            .Select(pair => ParseLoss(pair.Groups["value"].Value))
            .LastOrDefault();

    // tqdm prints mm:ss, or h:mm:ss past an hour; "?" while it cannot tell.
    private static TimeSpan? Duration(string text)
    {
        var parts = text.Trim().Split(':');
        if (parts.Length is < 2 or > 3 || !parts.All(p => p.Length > 0 && p.All(char.IsAsciiDigit)))
        {
            return null;
        }

        var numbers = parts.Select(Int).ToArray();
        return parts.Length == 3
            ? new TimeSpan(numbers[0], numbers[1], numbers[2])
            : new TimeSpan(0, numbers[0], numbers[1]);
    }

    private static int Int(string text) => int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"(?<label>[A-Za-z ]*)\bsteps:\s*(?<percent>\d{1,3})%\|[^|]*\|\s*(?<step>\d+)/(?<total>\d+)\s*\[(?<elapsed>[^<\]]*)<(?<remaining>[^,\]]*)(?<postfix>[^\]]*)\]")]
    private static partial Regex Bar();

    [GeneratedRegex(@"\b(?<key>[A-Za-z_]+)=(?<value>[-+]?(?:nan|inf|\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?))", RegexOptions.IgnoreCase)]
    private static partial Regex PostfixNumber();

    [GeneratedRegex(@"^(?:.*\s)?epoch (?<n>\d+)/(?<total>\d+)$")]
    private static partial Regex EpochStart();

    [GeneratedRegex(@"saving checkpoint:\s*(?<path>.+?\.(?:safetensors|ckpt|pt))(?=\s|$)")]
    private static partial Regex Saving();

    [GeneratedRegex(@"(?:^|\s)model saved\.(?:\s|$)")]
    private static partial Regex Saved();

    [GeneratedRegex(@"^(?:\S+ \S+ INFO\s+)?(?:prompt|negative_prompt): ")]
    private static partial Regex SamplePromptEcho();

    [GeneratedRegex(@"num epochs\s*/\s*epoch数\s*:\s*(\d+)")]
    private static partial Regex EpochCount();

    [GeneratedRegex(@"total optimization steps\s*/\s*学習ステップ数\s*:\s*(\d+)")]
    private static partial Regex TotalSteps();

    [GeneratedRegex(@"CUDA out of memory|OutOfMemoryError")]
    private static partial Regex CudaOom();

    [GeneratedRegex(@"died with <Signals\.SIGKILL: 9>")]
    private static partial Regex SigKill();

    [GeneratedRegex(@"NaN detected in latents")]
    private static partial Regex NanLatents();

    [GeneratedRegex(@"voluptuous\.error\.MultipleInvalid|MultipleInvalid:")]
    private static partial Regex MultipleInvalid();

    [GeneratedRegex(@"error: unrecognized arguments")]
    private static partial Regex Unrecognized();

    [GeneratedRegex(@"network for Text Encoder cannot be trained with caching")]
    private static partial Regex TextEncoderCaching();

    [GeneratedRegex(@"No data found\. Please verify")]
    private static partial Regex NoData();

    [GeneratedRegex(@"returned non-zero exit status")]
    private static partial Regex NonZeroExit();
}
