using System.Buffers.Binary;
using System.Text;

namespace LoraTrainer.Testing.Civitai;

/// <summary>The model versions the standalone Civitai fake (<c>civitai</c>) serves: one SDXL and one SD 1.5 checkpoint.</summary>
/// <remarks>
/// The SDXL version has the id the samples in config/samples name (128078, SDXL 1.0 base). Each file is a
/// well-formed safetensors file with a header and no tensors, small enough to download in a blink.
/// </remarks>
internal static class CivitaiDemoModels
{
    public static FakeCivitaiVersion Sdxl { get; } =
        new FakeCivitaiVersion(128078, "SDXL 1.0", "urn:air:sdxl:checkpoint:civitai:101055@128078",
            [new FakeCivitaiFile("sd_xl_base_1.0.safetensors", Safetensors("stable-diffusion-xl-v1-base"))])
        {
            ModelName = "SDXL", VersionName = "v1.0 VAE fix",
        };

    public static FakeCivitaiVersion Sd15 { get; } =
        new FakeCivitaiVersion(1515, "SD 1.5", "urn:air:sd1:checkpoint:civitai:1414@1515",
            [new FakeCivitaiFile("v1-5-pruned-emaonly.safetensors", Safetensors("stable-diffusion-v1"))])
        {
            ModelName = "Stable Diffusion v1.5", VersionName = "pruned-emaonly",
        };

    public static IReadOnlyList<FakeCivitaiVersion> All { get; } = [Sdxl, Sd15];

    /// <summary>An 8-byte little-endian header length, then a JSON header padded to 8 bytes, as the format requires.</summary>
    private static byte[] Safetensors(string architecture)
    {
        var header = $$$"""{"__metadata__":{"format":"pt","modelspec.architecture":"{{{architecture}}}"}}""";
        header = header.PadRight((header.Length + 7) / 8 * 8);
        var bytes = new byte[8 + header.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        Encoding.ASCII.GetBytes(header, bytes.AsSpan(8));
        return bytes;
    }
}
