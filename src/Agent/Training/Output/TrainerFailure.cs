namespace LoraTrainer.Agent.Training.Output;

/// <summary>A way sd-scripts fails, with what the user is told.</summary>
/// <param name="Code">A stable short name, e.g. <c>cuda-oom</c>.</param>
/// <param name="Reason">What happened and what to change.</param>
internal sealed record TrainerFailure(string Code, string Reason)
{
    /// <summary>The GPU ran out of memory.</summary>
    public static readonly TrainerFailure CudaOutOfMemory = new("cuda-oom",
        "The GPU ran out of memory (CUDA out of memory). Lower batch_size or resolution, enable gradient_checkpointing, or use fp8_base / a GPU with more memory.");

    /// <summary>The host killed the trainer, usually for lack of RAM.</summary>
    public static readonly TrainerFailure Killed = new("killed",
        "The trainer was killed (SIGKILL), usually because the host ran out of RAM. Choose an instance with more RAM or turn off caching in memory.");

    /// <summary>The loss became NaN; it never recovers.</summary>
    public static readonly TrainerFailure NanLoss = new("nan-loss",
        "The training loss became NaN and cannot recover; training was stopped early. Lower the learning rate, or use bf16 / no_half_vae.");

    /// <summary>A latent became NaN, usually the fp16 VAE.</summary>
    public static readonly TrainerFailure NanLatents = new("nan-latents",
        "NaN detected in latents: the VAE produced NaN (common with fp16). Set no_half_vae or use bf16, or check the images.");

    /// <summary>The dataset TOML was refused.</summary>
    public static readonly TrainerFailure DatasetConfigInvalid = new("dataset-config",
        "sd-scripts refused the dataset configuration (voluptuous MultipleInvalid).");

    /// <summary>An unknown command-line argument.</summary>
    public static readonly TrainerFailure UnrecognizedArguments = new("unrecognized-arguments",
        "sd-scripts did not recognise a command-line argument; the trainer command does not match this sd-scripts version.");

    /// <summary>Text encoder caching without unet-only training.</summary>
    public static readonly TrainerFailure TextEncoderCaching = new("text-encoder-caching",
        "sd-scripts cannot train the text encoder with cached text encoder outputs; set network_train_unet_only = true or drop cache_text_encoder_outputs.");

    /// <summary>sd-scripts found no images, and exited 0.</summary>
    public static readonly TrainerFailure NoData = new("no-data",
        "sd-scripts found no training data (\"No data found\") and stopped without training; check the dataset zip and layout.");

    /// <summary>A child process exited with an error.</summary>
    public static readonly TrainerFailure NonZeroExit = new("non-zero-exit", "The trainer process failed (returned non-zero exit status).");
}
