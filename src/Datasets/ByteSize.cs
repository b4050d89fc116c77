using System.Globalization;

namespace LoraTrainer.Datasets;

/// <summary>Formats byte counts for people.</summary>
public static class ByteSize
{
    /// <summary>e.g. <c>1.5 GiB</c>, <c>320 KiB</c>, <c>12 bytes</c>.</summary>
    public static string Format(long bytes)
    {
        string[] units = ["KiB", "MiB", "GiB", "TiB"];
        if (bytes < 1024)
        {
            return $"{bytes} bytes";
        }

        double value = bytes;
        var unit = -1;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return string.Create(CultureInfo.InvariantCulture, $"{value:0.#} {units[unit]}");
    }
}
