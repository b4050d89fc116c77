using System.Text.Json;

namespace LoraTrainer.Api;

/// <summary>
/// The sd-scripts arguments a user may pass through <c>spec.training.extraArgs</c>. Arguments the operator
/// controls (paths, output names, saving, logging) are not on the list: a user value would break the run.
/// </summary>
public static class ExtraArgs
{
    /// <summary>Argument names accepted in <c>extraArgs</c>.</summary>
    public static IReadOnlySet<string> Allowed { get; } = new HashSet<string>(StringComparer.Ordinal)
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

    /// <summary>Allowed arguments that only some families' scripts take (the others' scripts do not know them).</summary>
    public static IReadOnlyDictionary<string, IReadOnlySet<ModelFamily>> FamilyOnly { get; } = new Dictionary<string, IReadOnlySet<ModelFamily>>(StringComparer.Ordinal)
    {
        ["cache_text_encoder_outputs"] = new HashSet<ModelFamily> { ModelFamily.Sdxl, ModelFamily.Flux },
        ["blocks_to_swap"] = new HashSet<ModelFamily> { ModelFamily.Flux },
        ["timestep_sampling"] = new HashSet<ModelFamily> { ModelFamily.Flux },
        ["discrete_flow_shift"] = new HashSet<ModelFamily> { ModelFamily.Flux },
        ["guidance_scale"] = new HashSet<ModelFamily> { ModelFamily.Flux },
        ["model_prediction_type"] = new HashSet<ModelFamily> { ModelFamily.Flux },
        ["sigmoid_scale"] = new HashSet<ModelFamily> { ModelFamily.Flux },
    };

    /// <summary>Whether <paramref name="name"/> may be passed to <paramref name="family"/>'s training script.</summary>
    public static bool IsAllowedFor(string name, ModelFamily family) =>
        Allowed.Contains(name) && (!FamilyOnly.TryGetValue(name, out var families) || families.Contains(family));

    /// <summary>
    /// One error per argument the family's script does not take, so such a run is refused before a GPU is rented
    /// (the agent would refuse it on the GPU). Run once the family is known; <see cref="Validate"/> covers the rest.
    /// </summary>
    public static IReadOnlyList<string> ValidateFor(IReadOnlyDictionary<string, JsonElement>? extraArgs, ModelFamily family) =>
        extraArgs is null
            ? []
            : [.. extraArgs.Keys
                .Where(name => Allowed.Contains(name) && !IsAllowedFor(name, family))
                .Order(StringComparer.Ordinal)
                .Select(name => $"spec.training.extraArgs.{name} is only for {string.Join(" and ", FamilyOnly[name].Order().Select(f => f.ToWireName()))} models, and this run trains {family.ToWireName()}")];

    /// <summary>One error per argument that is not allowed or has a value sd-scripts cannot take.</summary>
    public static IReadOnlyList<string> Validate(IReadOnlyDictionary<string, JsonElement>? extraArgs)
    {
        if (extraArgs is null)
        {
            return [];
        }

        var errors = new List<string>();
        foreach (var (name, value) in extraArgs.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            if (!Allowed.Contains(name))
            {
                errors.Add($"spec.training.extraArgs.{name} is not an allowed sd-scripts argument");
            }
            else if (value.ValueKind is JsonValueKind.Object or JsonValueKind.Null or JsonValueKind.Undefined)
            {
                errors.Add($"spec.training.extraArgs.{name} must be a number, string, boolean or list");
            }
            else if (name == "validation_split" && !(value.ValueKind == JsonValueKind.Number && value.GetDouble() is >= 0 and < 1))
            {
                // sd-scripts skips a split outside [0, 1) with only a warning, and the run would choose by training loss.
                errors.Add("spec.training.extraArgs.validation_split must be a number from 0 up to (not including) 1: the share of images held out for validation");
            }
        }

        return errors;
    }
}
