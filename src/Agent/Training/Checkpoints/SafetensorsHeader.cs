using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;

namespace LoraTrainer.Agent.Training.Checkpoints;

/// <summary>
/// Reads the <c>__metadata__</c> of a safetensors file: an 8-byte little-endian header length, then a JSON header
/// whose tensors give their byte ranges in the data that follows. A file shorter than those ranges was cut off
/// while it was written (the trainer died mid-save) and is refused.
/// </summary>
internal static class SafetensorsHeader
{
    private const int MaxHeaderBytes = 100 * 1024 * 1024;

    /// <summary>The string metadata of the file; empty when it has none.</summary>
    /// <exception cref="InvalidDataException">The file is not a safetensors file, or is cut short.</exception>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        using var json = ReadHeader(path, out var fileLength, out var headerLength);
        var expected = 8 + headerLength + DataBytes(json.RootElement);
        if (fileLength < expected)
        {
            throw new InvalidDataException($"'{Path.GetFileName(path)}' is cut short: {fileLength} of {expected} bytes.");
        }

        if (!json.RootElement.TryGetProperty("__metadata__", out var metadata) || metadata.ValueKind != JsonValueKind.Object)
        {
            return new Dictionary<string, string>();
        }

        return metadata.EnumerateObject()
            .Where(p => p.Value.ValueKind == JsonValueKind.String)
            .ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
    }

    /// <summary>
    /// True when the file holds every byte its header promises (the header plus the end of the last tensor), so it was
    /// not caught mid-write; false for a truncated or unreadable file.
    /// </summary>
    public static bool IsComplete(string path)
    {
        try
        {
            using var json = ReadHeader(path, out var fileLength, out var headerLength);
            return fileLength == 8 + headerLength + DataBytes(json.RootElement);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            return false;
        }
    }

    /// <summary>The epoch the trainer recorded (<c>ss_epoch</c>), when present.</summary>
    public static int? Epoch(IReadOnlyDictionary<string, string> metadata) =>
        metadata.TryGetValue("ss_epoch", out var text) && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var epoch) ? epoch : null;

    private static JsonDocument ReadHeader(string path, out long fileLength, out long headerLength)
    {
        using var stream = File.OpenRead(path);
        fileLength = stream.Length;
        Span<byte> size = stackalloc byte[8];
        stream.ReadExactly(size);
        var length = BinaryPrimitives.ReadUInt64LittleEndian(size);
        if (length is 0 or > MaxHeaderBytes || (long)length > stream.Length - 8)
        {
            throw new InvalidDataException($"'{Path.GetFileName(path)}' is not a safetensors file (header length {length}).");
        }

        headerLength = (long)length;
        var header = new byte[length];
        stream.ReadExactly(header);
        try
        {
            return JsonDocument.Parse(header);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"'{Path.GetFileName(path)}' has a damaged safetensors header.", ex);
        }
    }

    // The end of the last tensor's byte range (data_offsets = [begin, end], relative to the end of the header).
    private static long DataBytes(JsonElement header) =>
        header.ValueKind != JsonValueKind.Object ? 0 : header.EnumerateObject()
            .Where(p => p.Value.ValueKind == JsonValueKind.Object && p.Value.TryGetProperty("data_offsets", out var offsets)
                && offsets.ValueKind == JsonValueKind.Array && offsets.GetArrayLength() == 2 && offsets[1].ValueKind == JsonValueKind.Number)
            .Select(p => p.Value.GetProperty("data_offsets")[1].TryGetInt64(out var end) ? end : 0)
            .DefaultIfEmpty(0)
            .Max();
}
