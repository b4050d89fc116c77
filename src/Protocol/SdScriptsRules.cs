namespace LoraTrainer.Protocol;

/// <summary>An argument the training script refuses as it is combined, and what to change.</summary>
/// <param name="Argument">The argument to change, e.g. <c>cache_text_encoder_outputs</c>.</param>
/// <param name="Problem">The rest of the sentence after the argument's name, e.g. <c>needs network_train_unet_only = true …</c>.</param>
public sealed record SdScriptsConflict(string Argument, string Problem);

/// <summary>
/// What the GPU image's sd-scripts refuses beyond unknown names, in one place: the operator checks a run with it before
/// renting a GPU, and the agent checks its arguments with it again on the GPU.
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

    /// <summary>Arguments a run may not set, with the reason the user is told.</summary>
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

    /// <summary>
    /// The combinations <paramref name="script"/> refuses in <paramref name="args"/> (argument name → plain value:
    /// booleans, numbers, strings, lists of strings), one per argument to change.
    /// </summary>
    public static IReadOnlyList<SdScriptsConflict> Conflicts(string script, IReadOnlyDictionary<string, object?> args)
    {
        ArgumentNullException.ThrowIfNull(script);
        ArgumentNullException.ThrowIfNull(args);
        var caches = IsTrue(args, "cache_text_encoder_outputs");
        return Path.GetFileName(script) switch
        {
            // sdxl_train_network.py asserts it: the text encoders cannot be trained on their cached outputs.
            SdxlScript when caches && !IsTrue(args, "network_train_unet_only") =>
                [new("cache_text_encoder_outputs", $"needs network_train_unet_only = true with {SdxlScript} (it stops with an assertion otherwise)")],
            // flux_train_network.py caches T5XXL's outputs while CLIP-L trains; it refuses only when T5XXL itself is trained.
            FluxScript when caches && TrainsT5xxl(args) =>
                [new("cache_text_encoder_outputs", $"cannot be used while network_args trains T5XXL (train_t5xxl=True): {FluxScript} refuses it; set cache_text_encoder_outputs = false or drop train_t5xxl")],
            _ => [],
        };
    }

    private static bool IsTrue(IReadOnlyDictionary<string, object?> args, string name) => args.TryGetValue(name, out var value) && value is true;

    // lora_flux reads network_args as "key=value" and trains T5XXL only for the exact value "True".
    private static bool TrainsT5xxl(IReadOnlyDictionary<string, object?> args) =>
        args.TryGetValue("network_args", out var value)
        && value is System.Collections.IEnumerable items and not string
        && items.Cast<object?>().Any(item => item is string text && text == "train_t5xxl=True");
}
