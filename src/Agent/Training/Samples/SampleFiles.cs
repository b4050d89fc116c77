using System.Globalization;
using System.Text.RegularExpressions;

namespace LoraTrainer.Agent.Training.Samples;

/// <summary>
/// Finds sd-scripts' sample images by name and checks they are PNGs. sd-scripts writes them to
/// <c>{output_dir}/sample/</c> as <c>{output_name}_e{epoch:06d}_{idx:02d}_{YYYYmmddHHMMSS}[_{seed}].png</c>
/// (train_util.py <c>sample_image_inference</c>); the timestamp is not known in advance, so the newest match wins.
/// </summary>
internal static partial class SampleFiles
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>The folder sd-scripts writes samples to.</summary>
    public static string Folder(string outputDirectory) => Path.Combine(outputDirectory, "sample");

    /// <summary>The image of <paramref name="epoch"/> and prompt <paramref name="prompt"/>, or null when there is none.</summary>
    public static string? Find(string outputDirectory, string outputName, int epoch, int prompt)
    {
        var folder = Folder(outputDirectory);
        if (!Directory.Exists(folder))
        {
            return null;
        }

        var prefix = string.Create(CultureInfo.InvariantCulture, $"{outputName}_e{epoch:D6}_{prompt:D2}_");
        return Directory.EnumerateFiles(folder, prefix + "*.png")
            .Select(path => (path, match: Name().Match(Path.GetFileName(path)[(prefix.Length - 1)..])))
            .Where(x => x.match.Success)
            .OrderBy(x => x.match.Groups["stamp"].Value, StringComparer.Ordinal)
            .Select(x => x.path)
            .LastOrDefault();
    }

    /// <summary>Why <paramref name="path"/> is not a whole PNG (signature, IHDR first, IEND last), or null when it is.</summary>
    public static string? PngProblem(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < Signature.Length || !bytes.AsSpan(0, Signature.Length).SequenceEqual(Signature))
        {
            return "not a PNG";
        }

        // The IHDR chunk comes first (8 + 25 bytes); the 12-byte IEND chunk ends the file.
        if (bytes.Length < 33 || !bytes.AsSpan(12, 4).SequenceEqual("IHDR"u8))
        {
            return "a PNG without its header";
        }

        return bytes.Length >= 45 && bytes.AsSpan(bytes.Length - 8, 4).SequenceEqual("IEND"u8) ? null : "a PNG cut short";
    }

    // What follows "{output_name}_e{epoch}_{idx}": the timestamp, and the seed when the prompt has one.
    [GeneratedRegex(@"^_(?<stamp>\d{14})(?:_\d+)?\.png$")]
    private static partial Regex Name();
}
