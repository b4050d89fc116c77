namespace LoraTrainer.Protocol.SdScripts;

/// <summary>An argument the training script refuses as it is combined, and what to change.</summary>
/// <param name="Argument">The argument to change, e.g. <c>cache_text_encoder_outputs</c>.</param>
/// <param name="Problem">The rest of the sentence after the argument's name, e.g. <c>needs network_train_unet_only = true …</c>.</param>
public sealed record SdScriptsConflict(string Argument, string Problem);

/// <summary>What one model family trains with: its sd-scripts script and LoRA network module.</summary>
/// <param name="Name">The family as the CRD and the protocol spell it: <c>sd15</c>, <c>sdxl</c> or <c>flux</c>.</param>
/// <param name="Script">The training script, e.g. <c>sdxl_train_network.py</c>.</param>
/// <param name="NetworkModule">The LoRA network module the script trains, e.g. <c>networks.lora</c>.</param>
public sealed record SdScriptsFamily(string Name, string Script, string NetworkModule)
{
    /// <summary>The argument names the family's script accepts in the pinned sd-scripts release.</summary>
    public IReadOnlySet<string> Arguments => SdScriptsArguments.For(Script)!;

    /// <summary>Whether a run of this family may set <paramref name="name"/> in its <c>extraArgs</c>: it is on the allowlist and the script takes it.</summary>
    public bool TakesExtraArg(string name) => SdScriptsRules.ExtraArgs.Contains(name) && Arguments.Contains(name);
}

/// <summary>
/// What the GPU image's sd-scripts accepts and refuses, in one place: the script and network module per family, the
/// arguments a user may add, those nobody may set, and each script's own rules. The operator checks a run with it
/// before renting a GPU, and the agent checks its arguments with it again on the GPU.
/// </summary>
/// <remarks>
/// Each script has its own rules: sd-scripts asserts them in the script's own <c>assert_extra_args</c> or network
/// set-up, not in the shared trainer, so a rule of <c>sdxl_train_network.py</c> does not hold for
/// <c>flux_train_network.py</c>.
/// </remarks>
public static class SdScriptsRules
{
    /// <summary>The SDXL training script.</summary>
    public const string SdxlScript = "sdxl_train_network.py";

    /// <summary>The Flux.1 training script.</summary>
    public const string FluxScript = "flux_train_network.py";

    /// <summary>The model families, each with its script and network module.</summary>
    public static IReadOnlyList<SdScriptsFamily> Families { get; } =
    [
        new("sd15", "train_network.py", "networks.lora"),
        new("sdxl", SdxlScript, "networks.lora"),
        new("flux", FluxScript, "networks.lora_flux"),
    ];

    /// <summary>The family named <paramref name="name"/> (<c>sd15</c>, <c>sdxl</c> or <c>flux</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">No family has that name.</exception>
    public static SdScriptsFamily Family(string name) =>
        Families.FirstOrDefault(f => f.Name == name) ?? throw new ArgumentOutOfRangeException(nameof(name), name, "not a model family");

    /// <summary>
    /// The arguments a user may add through <c>spec.training.extraArgs</c>, where the family's script takes them
    /// (<see cref="SdScriptsFamily.TakesExtraArg"/>). Arguments the operator or the agent controls (paths, output names,
    /// saving, logging, the hyperparameters the spec has fields for) are not on the list: a user value would break the run.
    /// </summary>
    public static IReadOnlySet<string> ExtraArgs { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "noise_offset", "adaptive_noise_scale", "multires_noise_iterations", "multires_noise_discount", "ip_noise_gamma",
        "min_snr_gamma", "debiased_estimation_loss", "loss_type", "huber_c", "huber_schedule",
        "caption_dropout_rate", "caption_dropout_every_n_epochs", "caption_tag_dropout_rate", "shuffle_caption", "keep_tokens",
        "clip_skip", "max_token_length", "prior_loss_weight", "color_aug", "flip_aug", "random_crop",
        "max_grad_norm", "gradient_accumulation_steps", "gradient_checkpointing", "lr_warmup_steps", "lr_scheduler_num_cycles",
        "lr_scheduler_power", "optimizer_args", "network_args", "network_dropout", "scale_weight_norms",
        "network_train_unet_only", "network_train_text_encoder_only", "cache_latents", "cache_text_encoder_outputs",
        "sdpa", "full_bf16", "full_fp16", "no_half_vae", "fp8_base", "blocks_to_swap",
        "timestep_sampling", "discrete_flow_shift", "guidance_scale", "model_prediction_type", "sigmoid_scale",
        "min_bucket_reso", "max_bucket_reso", "bucket_reso_steps", "bucket_no_upscale", "v2", "v_parameterization",
        "zero_terminal_snr", "save_precision",
        "validation_split", "validation_seed", "validate_every_n_epochs", "validate_every_n_steps", "max_validation_steps",
    };

    /// <summary>Arguments nobody may set, with the reason the user is told.</summary>
    public static IReadOnlyDictionary<string, string> Forbidden { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["config_file"] = "the agent passes its own arguments file",
        ["output_config"] = "it makes the trainer exit without training",
        ["save_last_n_epochs"] = "it deletes earlier epochs the best-epoch choice needs",
        ["save_last_n_epochs_state"] = "it deletes earlier epochs the best-epoch choice needs",
        ["save_last_n_steps"] = "it deletes earlier checkpoints the best-epoch choice needs",
        ["save_last_n_steps_state"] = "it deletes earlier checkpoints the best-epoch choice needs",
        ["save_every_n_steps"] = "the agent saves once per epoch and picks among epochs",
        ["save_n_epoch_ratio"] = "the agent saves once per epoch and picks among epochs",
        ["train_data_dir"] = "the agent lays out the dataset itself",
        ["in_json"] = "the agent lays out the dataset itself",
        // sd-scripts does not list xformers in its requirements and imports it only when asked, failing then.
        ["xformers"] = "the GPU image does not install xformers; use sdpa (on by default), which needs nothing extra",
    };

    /// <summary>The combinations <paramref name="script"/> refuses in <paramref name="args"/>, one per argument to change.</summary>
    public static IReadOnlyList<SdScriptsConflict> Conflicts(string script, TrainingArgs args)
    {
        ArgumentNullException.ThrowIfNull(script);
        ArgumentNullException.ThrowIfNull(args);
        var caches = args.CacheTextEncoderOutputs == true;
        return Path.GetFileName(script) switch
        {
            // sdxl_train_network.py asserts it: the text encoders cannot be trained on their cached outputs.
            SdxlScript when caches && args.NetworkTrainUnetOnly != true =>
                [new("cache_text_encoder_outputs", $"needs network_train_unet_only = true with {SdxlScript} (it stops with an assertion otherwise)")],
            // flux_train_network.py caches T5XXL's outputs while CLIP-L trains; it refuses only when T5XXL itself is trained.
            // lora_flux reads network_args as "key=value" and trains T5XXL only for the exact value "True".
            FluxScript when caches && args.NetworkArgs?.Contains("train_t5xxl=True") == true =>
                [new("cache_text_encoder_outputs", $"cannot be used while network_args trains T5XXL (train_t5xxl=True): {FluxScript} refuses it; set cache_text_encoder_outputs = false or drop train_t5xxl")],
            _ => [],
        };
    }
}
