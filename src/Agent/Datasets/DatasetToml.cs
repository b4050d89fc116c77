using LoraTrainer.Agent.Training;
using LoraTrainer.Protocol;
using Tomlyn;
using Tomlyn.Model;

namespace LoraTrainer.Agent.Datasets;

/// <summary>
/// Writes the dataset TOML sd-scripts reads with <c>--dataset_config</c>. sd-scripts validates this file strictly
/// (an unknown key fails the run), so only keys of its schema are written.
/// </summary>
internal static class DatasetToml
{
    /// <summary>The TOML text for one subset of images in <paramref name="imageDirectory"/>.</summary>
    public static string Render(DatasetLayout layout, string imageDirectory)
    {
        var subset = new TomlTable
        {
            ["image_dir"] = imageDirectory,
            ["num_repeats"] = (long)layout.Repeats,
        };
        if (!string.IsNullOrWhiteSpace(layout.ClassTokens))
        {
            // Used as the caption of every image that has no caption file.
            subset["class_tokens"] = layout.ClassTokens;
        }

        var dataset = new TomlTable
        {
            ["resolution"] = (long)layout.Resolution,
            ["batch_size"] = (long)layout.BatchSize,
            ["enable_bucket"] = true,
            ["subsets"] = new TomlTableArray { subset },
        };

        var document = new TomlTable
        {
            ["general"] = new TomlTable
            {
                // sd-scripts' own default is ".caption"; the zip carries ".txt" files.
                ["caption_extension"] = NormalizeExtension(layout.CaptionExtension),
                ["shuffle_caption"] = false,
            },
            ["datasets"] = new TomlTableArray { dataset },
        };
        return TomlSerializer.Serialize(document, AgentTomlContext.Default.TomlTable);
    }

    /// <summary>The caption extension with its leading dot; <c>.txt</c> when unset.</summary>
    public static string NormalizeExtension(string? extension) =>
        string.IsNullOrWhiteSpace(extension) ? ".txt" : extension.StartsWith('.') ? extension : "." + extension;
}
