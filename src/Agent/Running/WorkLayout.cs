using LoraTrainer.Agent.Configuration;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Agent.Running;

/// <summary>Where each file of a run lives under <see cref="AgentOptions.WorkDirectory"/>.</summary>
internal sealed class WorkLayout(IOptions<AgentOptions> options)
{
    /// <summary>The work directory, absolute.</summary>
    public string Root => Path.GetFullPath(options.Value.WorkDirectory);

    /// <summary>The downloaded dataset zip.</summary>
    public string DatasetZip => Path.Combine(Root, "downloads", "dataset.zip");

    /// <summary>The flat image folder the trainer reads (and writes caches into).</summary>
    public string ImageDirectory => Path.Combine(Root, "dataset", "images");

    /// <summary>The dataset TOML.</summary>
    public string DatasetToml => Path.Combine(Root, "dataset.toml");

    /// <summary>The arguments TOML.</summary>
    public string ArgumentsToml => Path.Combine(Root, "args.toml");

    /// <summary>The sample prompt file sd-scripts reads (<c>--sample_prompts</c>).</summary>
    public string SamplePrompts => Path.Combine(Root, "sample-prompts.txt");

    /// <summary>Where model files are downloaded.</summary>
    public string ModelDirectory => Path.Combine(Root, "models");

    /// <summary>The trainer's <c>output_dir</c>.</summary>
    public string OutputDirectory => Path.Combine(Root, "output");

    /// <summary>The trainer's <c>logging_dir</c> (TensorBoard event files).</summary>
    public string LoggingDirectory => Path.Combine(Root, "logs");

    /// <summary>The path of a model file, by its configured name (only the file name part is used).</summary>
    public string ModelFile(string fileName) => Path.Combine(ModelDirectory, Path.GetFileName(fileName));
}
