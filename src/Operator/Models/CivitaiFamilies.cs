using LoraTrainer.Api;

namespace LoraTrainer.Operator.Models;

/// <summary>Tells the model family from Civitai's <c>baseModel</c> and AIR ecosystem.</summary>
/// <remarks>
/// <c>baseModel</c> is the more specific of the two and is read first; the AIR's third segment
/// (<c>urn:air:&lt;ecosystem&gt;:…</c>) settles versions whose base model is missing or new. SD 2.x, SD 3 and other
/// families sd-scripts trains differently are deliberately unknown: a wrong family wastes a whole GPU run.
/// </remarks>
internal static class CivitaiFamilies
{
    /// <summary>The family of <paramref name="version"/>, or null when neither field names a known one.</summary>
    public static ModelFamily? Infer(CivitaiModelVersion version) => FromBaseModel(version.BaseModel) ?? FromAir(version.Air);

    /// <summary>e.g. <c>SD 1.5</c> → sd15, <c>SDXL 1.0</c>/<c>Pony</c>/<c>Illustrious</c> → sdxl, <c>Flux.1 D</c> → flux.</summary>
    public static ModelFamily? FromBaseModel(string? baseModel)
    {
        var name = baseModel?.Trim() ?? "";
        return name switch
        {
            _ when name.StartsWith("SD 1.", StringComparison.OrdinalIgnoreCase) => ModelFamily.Sd15,
            _ when name.StartsWith("SDXL", StringComparison.OrdinalIgnoreCase) => ModelFamily.Sdxl,
            _ when name.StartsWith("Pony", StringComparison.OrdinalIgnoreCase) => ModelFamily.Sdxl,
            _ when name.StartsWith("Illustrious", StringComparison.OrdinalIgnoreCase) => ModelFamily.Sdxl,
            _ when name.StartsWith("NoobAI", StringComparison.OrdinalIgnoreCase) => ModelFamily.Sdxl,
            _ when name.Equals("Flux.1 D", StringComparison.OrdinalIgnoreCase) => ModelFamily.Flux,
            _ when name.Equals("Flux.1 S", StringComparison.OrdinalIgnoreCase) => ModelFamily.Flux,
            _ => null,
        };
    }

    /// <summary>From <c>urn:air:&lt;ecosystem&gt;:&lt;type&gt;:&lt;source&gt;:&lt;id&gt;</c>: sd1 → sd15, sdxl/pony/illustrious → sdxl, flux1 → flux.</summary>
    public static ModelFamily? FromAir(string? air)
    {
        var parts = air?.Split(':') ?? [];
        if (parts.Length < 3 || parts[0] != "urn" || parts[1] != "air")
        {
            return null;
        }

        return parts[2].ToLowerInvariant() switch
        {
            "sd1" => ModelFamily.Sd15,
            "sdxl" or "pony" or "illustrious" => ModelFamily.Sdxl,
            "flux1" => ModelFamily.Flux,
            _ => null,
        };
    }
}
