using System.Xml.Linq;

namespace LoraTrainer.Testing.S3;

/// <summary>An error S3 answers instead of doing what was asked.</summary>
/// <param name="Status">The HTTP status.</param>
/// <param name="Code">The error code in the XML body.</param>
/// <param name="Message">The message in the XML body.</param>
internal sealed record S3Refusal(int Status, string Code, string Message)
{
    public static S3Refusal NoSuchUpload { get; } =
        new(404, "NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.");

    public static S3Refusal InvalidPart { get; } = new(400, "InvalidPart",
        "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.");

    public static S3Refusal InvalidPartOrder { get; } =
        new(400, "InvalidPartOrder", "The list of parts was not in ascending order. The parts list must be specified in order by part number.");
}

/// <summary>
/// What S3 checks of an UploadPart and a CompleteMultipartUpload (S3 API reference, "UploadPart" and
/// "CompleteMultipartUpload", Special errors) that s3rver 3.7.1 does not.
/// </summary>
/// <remarks>
/// s3rver keeps an upload as a folder holding its key, its metadata and one file per part with the part's MD5 beside
/// it. It writes a part into whatever folder the upload id names, creating it, so a part sent after an abort or a
/// completion brings back a folder with no key; and a completion reads the part files it is told of without comparing
/// ETags, answering 500 InternalError when a file (or the key) is missing. S3 answers 404 NoSuchUpload for an upload
/// that is gone, 400 InvalidPartOrder for parts not in ascending order, and 400 InvalidPart for a part never sent or
/// an ETag that is not the part's.
/// </remarks>
internal static class MultipartChecks
{
    /// <summary>The refusal S3 gives an UploadPart into <paramref name="upload"/> (s3rver's folder, null for an impossible id); null when it takes the part.</summary>
    public static S3Refusal? CheckPart(string? upload) => Exists(upload) ? null : S3Refusal.NoSuchUpload;

    /// <summary>The refusal S3 gives a CompleteMultipartUpload of <paramref name="upload"/> with <paramref name="body"/>; null when it joins the parts (or the body is left to s3rver to call malformed).</summary>
    public static S3Refusal? CheckCompletion(string? upload, byte[] body)
    {
        if (!Exists(upload))
        {
            return S3Refusal.NoSuchUpload;
        }

        if (Parts(body) is not { } parts)
        {
            return null;
        }

        for (var i = 1; i < parts.Count; i++)
        {
            if (parts[i].Number <= parts[i - 1].Number)
            {
                return S3Refusal.InvalidPartOrder;
            }
        }

        foreach (var (number, etag) in parts)
        {
            var md5 = Path.Combine(upload!, $"{number}.md5");
            if (!File.Exists(md5) || !string.Equals(File.ReadAllText(md5).Trim(), etag.Replace("\"", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase))
            {
                return S3Refusal.InvalidPart;
            }
        }

        return null;
    }

    // An upload s3rver started has its key written; a folder a stray part created does not.
    private static bool Exists(string? upload) => upload is not null && File.Exists(Path.Combine(upload, "key"));

    private static List<(int Number, string ETag)>? Parts(byte[] body)
    {
        try
        {
            using var stream = new MemoryStream(body);
            var parts = new List<(int, string)>();
            foreach (var part in XDocument.Load(stream).Root?.Elements().Where(e => e.Name.LocalName == "Part") ?? [])
            {
                var number = part.Elements().FirstOrDefault(e => e.Name.LocalName == "PartNumber")?.Value;
                var etag = part.Elements().FirstOrDefault(e => e.Name.LocalName == "ETag")?.Value;
                if (!int.TryParse(number, System.Globalization.CultureInfo.InvariantCulture, out var n) || etag is null)
                {
                    return null;
                }

                parts.Add((n, etag));
            }

            return parts.Count == 0 ? null : parts;
        }
        catch (System.Xml.XmlException)
        {
            return null;
        }
    }
}
