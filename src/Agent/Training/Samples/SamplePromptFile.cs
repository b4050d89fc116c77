using System.Globalization;
using LoraTrainer.Protocol;

namespace LoraTrainer.Agent.Training.Samples;

/// <summary>
/// Writes the prompt file sd-scripts reads with <c>--sample_prompts</c>: a <c>.txt</c> file, one prompt a line, its
/// options inline after the text (<c>--n</c> negative prompt, <c>--w</c>/<c>--h</c> size, <c>--d</c> seed,
/// <c>--s</c> steps, <c>--l</c> CFG scale), as train_util.py's <c>line_to_prompt_dict</c> parses it.
/// </summary>
internal static class SamplePromptFile
{
    /// <summary>The file's text for <paramref name="prompts"/>, in order (a prompt's line is its index).</summary>
    /// <exception cref="ArgumentsRejectedException">A prompt sd-scripts would misread: a line break, or <c> --</c> in its text.</exception>
    public static string Text(IReadOnlyList<SamplePrompt> prompts)
    {
        var problems = prompts.Select((p, i) => Problem(p, i)).OfType<string>().ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentsRejectedException(string.Join(" ", problems));
        }

        return string.Concat(prompts.Select(p => Line(p) + "\n"));
    }

    /// <summary>One prompt's line.</summary>
    public static string Line(SamplePrompt prompt)
    {
        var line = prompt.Prompt.Trim();
        if (!string.IsNullOrWhiteSpace(prompt.NegativePrompt))
        {
            line += $" --n {prompt.NegativePrompt.Trim()}";
        }

        return line + string.Create(CultureInfo.InvariantCulture,
            $" --w {prompt.Width} --h {prompt.Height} --d {prompt.Seed} --s {prompt.Steps} --l {prompt.CfgScale}");
    }

    private static string? Problem(SamplePrompt prompt, int index)
    {
        foreach (var (field, text) in new[] { ("prompt", prompt.Prompt), ("negativePrompt", prompt.NegativePrompt ?? "") })
        {
            if (text.AsSpan().IndexOfAny('\r', '\n') >= 0 || text.Contains(" --", StringComparison.Ordinal) || text.StartsWith("--", StringComparison.Ordinal))
            {
                return $"samples.prompts[{index}].{field} holds a line break or ' --', which sd-scripts would read as an option.";
            }
        }

        return prompt.Prompt.Trim().Length == 0 || prompt.Prompt.TrimStart().StartsWith('#')
            ? $"samples.prompts[{index}].prompt is empty or starts with '#', which sd-scripts skips, shifting every later prompt's index."
            : null;
    }
}
